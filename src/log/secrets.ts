/**
 * Every secret the run learns (passwords, tokens, the AED API token) is registered here, and all
 * log output passes through `scrub`, so a secret cannot reach a log line, whatever carried it
 * (a message, an error, a URL, a stack).
 */
const CENSOR = '[REDACTED]'
// Too short to be a real secret, and replacing it would shred ordinary text.
const MIN_LENGTH = 4

export class Secrets {
  private readonly values = new Set<string>()

  add(value: string | undefined): void {
    if (value === undefined || value.length < MIN_LENGTH) return
    this.values.add(value)
    // How the value looks inside JSON and inside a URL.
    this.values.add(JSON.stringify(value).slice(1, -1))
    this.values.add(encodeURIComponent(value))
  }

  scrub(text: string): string {
    let out = text
    for (const value of this.values) if (out.includes(value)) out = out.replaceAll(value, CENSOR)
    return out
  }
}
