/**
 * The run's one secrets registry (docs/reliability.md, "Hostile input"). Created once per run in
 * main.ts and handed to every writer: the log destination, stdout and stderr (CommandIo) and the
 * --output file. Every secret the run learns is registered as soon as it is known — passwords,
 * the AED API token, the TAXII `user:password` and its base64 (what `Basic …` carries), and each
 * ThreatQ access and refresh token as it is issued — so a server that quotes them back in an
 * error body cannot get them printed, whatever carried them (a message, a URL, a stack).
 *
 * Matching is on whole registered strings in each encoding a line can carry them in. A secret
 * split across two writes (a base64 value broken over lines) is out of scope.
 */
const CENSOR = '[REDACTED]'
/**
 * Shorter values are not registered: replacing every "abc" would shred ordinary text, and a
 * secret that short is guessed anyway. Their compound forms (`user:pw`, base64) still are, being
 * long enough to match nothing by accident.
 */
export const MIN_SECRET_LENGTH = 4

export class Secrets {
  private readonly values = new Set<string>()
  private pattern: RegExp | undefined

  /** Registers a secret and the forms it takes inside JSON, a URL and a form body. */
  add(value: string | undefined): void {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) return
    for (const form of encodings(value)) this.values.add(form)
    this.pattern = undefined
  }

  /**
   * HTTP Basic credentials: the password, the `user:password` pair, and its base64 (inside
   * `Basic …`). The user name alone is not a secret and is left readable.
   */
  addBasic(user: string | undefined, password: string | undefined): void {
    if (password === undefined || password === '') return
    this.add(password)
    const pair = `${user ?? ''}:${password}`
    this.add(pair)
    this.add(Buffer.from(pair, 'utf8').toString('base64'))
  }

  /** Credentials in a URL's user info (`https://user:pw@proxy/`): sent as Basic, so registered as such. */
  addUrlCredentials(raw: string | undefined): void {
    if (raw === undefined || !raw.includes('@')) return
    let url: URL
    try {
      url = new URL(raw)
    } catch {
      return
    }
    if (url.password === '') return
    const decode = (v: string): string => {
      try {
        return decodeURIComponent(v)
      } catch {
        return v
      }
    }
    this.addBasic(decode(url.username), decode(url.password))
    this.add(url.password)
  }

  scrub(text: string): string {
    if (this.values.size === 0) return text
    this.pattern ??= alternation([...this.values])
    return text.replace(this.pattern, CENSOR)
  }
}

/** A value as it reads raw, JSON-escaped (once and twice: JSON inside a JSON log line) and URL-encoded. */
function encodings(value: string): Set<string> {
  const json = JSON.stringify(value).slice(1, -1)
  const uri = encodeURIComponent(value)
  const forms = new Set([
    value,
    json,
    JSON.stringify(json).slice(1, -1),
    uri,
    new URLSearchParams({ v: value }).toString().slice(2),
  ])
  // Percent-escapes are case-insensitive: a server may echo %2f for %2F.
  for (const form of [...forms]) forms.add(form.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()))
  return forms
}

/**
 * One regex, longest value first: where one secret contains another (a token holding the
 * password) the whole is replaced, and a single pass never re-scrubs its own censor text.
 */
function alternation(values: string[]): RegExp {
  const sorted = values.sort((a, b) => b.length - a.length)
  return new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
}
