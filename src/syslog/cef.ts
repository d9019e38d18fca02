/**
 * CEF (ArcSight Common Event Format, rev. 25):
 * `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`.
 * In the header `\|` and `\\` are escapes; in the extension `\=`, `\\`, `\n` and `\r` are, and
 * a value runs, spaces included, up to the space before the next `key=`.
 */

/** The header fields and extension of a CEF or LEEF record, as both formats are read. */
export interface PayloadRecord {
  format: 'cef' | 'leef'
  version: string
  vendor: string
  product: string
  productVersion: string
  /** CEF Signature ID / LEEF Event ID: the kind of notification. */
  eventClass: string
  /** CEF Name (AED: the alert sub-type); LEEF has none. */
  name: string | undefined
  /** CEF header severity; LEEF carries `sev=` in its attributes. */
  severity: string | undefined
  fields: Map<string, string>
}

export type PayloadResult = { ok: true; record: PayloadRecord } | { ok: false; reason: string }

const BACKSLASH = 0x5c
const SPACE = 0x20
const TAB = 0x09

/**
 * The first `count` pipe-terminated header fields (unescaped) and the raw rest after them, or
 * why not when the line ends first.
 */
export function readHeader(
  text: string,
  count: number,
  format: 'CEF' | 'LEEF',
): { ok: true; fields: string[]; rest: string } | { ok: false; reason: string } {
  const fields: string[] = []
  let start = 0
  let from = 0
  let escaped = false
  // indexOf rather than a loop over every character: most headers hold no backslash.
  let backslash = text.indexOf('\\')
  while (fields.length < count) {
    const pipe = text.indexOf('|', from)
    if (pipe === -1) break
    if (backslash !== -1 && backslash < pipe) {
      from = backslash + 2
      backslash = text.indexOf('\\', from)
      escaped = true
      continue
    }
    const raw = text.slice(start, pipe)
    fields.push(escaped ? raw.replace(/\\([\\|])/g, '$1') : raw)
    start = from = pipe + 1
    escaped = false
  }
  if (fields.length < count)
    return {
      ok: false,
      reason: `${format} header ends after ${String(fields.length)} of its ${String(count)} fields`,
    }
  return { ok: true, fields, rest: text.slice(start) }
}

/** Characters of an extension key (CEF keys are alphanumeric; vendors add `_` and `.`). */
function isKeyChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2e
  )
}

function unescapeValue(raw: string): string {
  if (!raw.includes('\\')) return raw
  return raw.replace(/\\([\\=nr|])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c))
}

/**
 * `key=value` pairs separated by spaces, where values may hold spaces: a key is a run of key
 * characters at the start or after a space, followed by an unescaped `=`. An `=` inside a value
 * that does not follow such a run (`?a=b` in a URL) stays in the value. The first of two equal
 * keys wins.
 */
export function parseExtension(ext: string, unescape = true): Map<string, string> {
  const keys: { key: string; keyStart: number; valueStart: number }[] = []
  for (let i = ext.indexOf('='); i !== -1; i = ext.indexOf('=', i + 1)) {
    // Escaped when an odd number of backslashes precede it.
    let b = i
    while (b > 0 && ext.charCodeAt(b - 1) === BACKSLASH) b--
    if ((i - b) % 2 === 1) continue
    let k = i
    while (k > 0 && isKeyChar(ext.charCodeAt(k - 1))) k--
    if (k < i && (k === 0 || ext.charCodeAt(k - 1) === SPACE || ext.charCodeAt(k - 1) === TAB))
      keys.push({ key: ext.slice(k, i), keyStart: k, valueStart: i + 1 })
  }
  const fields = new Map<string, string>()
  for (let j = 0; j < keys.length; j++) {
    const entry = keys[j] as (typeof keys)[number]
    const end = keys[j + 1]?.keyStart ?? ext.length
    const raw = ext.slice(entry.valueStart, Math.max(entry.valueStart, end)).trimEnd()
    if (!fields.has(entry.key)) fields.set(entry.key, unescape ? unescapeValue(raw) : raw)
  }
  return fields
}

/** A CEF record from the text after `CEF:` (version first). */
export function parseCef(text: string): PayloadResult {
  const header = readHeader(text, 7, 'CEF')
  if (!header.ok) return header
  const [version, vendor, product, productVersion, eventClass, name, severity] = header.fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  if (!/^\d+(\.\d+)?$/.test(version))
    return { ok: false, reason: `CEF version "${version.slice(0, 20)}" is not a number` }
  return {
    ok: true,
    record: {
      format: 'cef',
      version,
      vendor,
      product,
      productVersion,
      eventClass,
      name,
      severity,
      fields: parseExtension(header.rest),
    },
  }
}
