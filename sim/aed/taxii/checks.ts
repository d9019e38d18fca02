/**
 * The identity checks run on every pushed STIX object, written out by character code so that
 * ingestion allocates nothing for them. They accept exactly what `STIX_ID` and `TIMESTAMP`
 * accept (checks.test.ts holds them to that); the regexes stay the definition.
 */

/** `<type>--<uuid>`, case-insensitive (the prefix is compared to `type` separately). */
export const STIX_ID =
  /^([a-z0-9-]+)--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** RFC 3339 UTC as STIX writes it: seconds, an optional fraction of 1–9 digits, `Z`. */
export const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/

const DASH = 0x2d

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

/** Character classes of ASCII codes, one bit each: a table lookup beat the comparisons. */
const HEX = 1
const PREFIX = 2
const CLASSES = new Uint8Array(128)
for (let c = 0; c < CLASSES.length; c++) {
  const ch = String.fromCharCode(c)
  if (/^[0-9a-f]$/i.test(ch)) CLASSES[c] = HEX
  if (/^[a-z0-9-]$/i.test(ch)) CLASSES[c] = (CLASSES[c] ?? 0) | PREFIX
}
const is = (c: number, klass: number): boolean => ((CLASSES[c] ?? 0) & klass) !== 0

const UUID_LENGTH = 36

/** Offsets of the dashes inside a UUID; every other character is a hex digit. */
const isUuidDash = (i: number): boolean => i === 8 || i === 13 || i === 18 || i === 23

export type IdCheck = 'ok' | 'malformed' | 'type mismatch'

/** Whether `id` is `<type>--<uuid>` (`STIX_ID`) and its prefix is exactly `type`. */
export function checkStixId(id: string, type: unknown): IdCheck {
  // The UUID has a fixed length, so the prefix ends where the last 38 characters begin.
  const prefix = id.length - UUID_LENGTH - 2
  if (prefix < 1 || id.charCodeAt(prefix) !== DASH || id.charCodeAt(prefix + 1) !== DASH)
    return 'malformed'
  for (let i = 0; i < prefix; i++) if (!is(id.charCodeAt(i), PREFIX)) return 'malformed'
  const start = prefix + 2
  for (let i = 0; i < UUID_LENGTH; i++) {
    const c = id.charCodeAt(start + i)
    if (isUuidDash(i) ? c !== DASH : !is(c, HEX)) return 'malformed'
  }
  return typeof type === 'string' && type.length === prefix && id.startsWith(type)
    ? 'ok'
    : 'type mismatch'
}

/** `0` stands for a digit, anything else for itself. */
const SECONDS_SHAPE = '0000-00-00T00:00:00'
const MAX_FRACTION_DIGITS = 9

/** Whether `text` matches `TIMESTAMP`. */
export function isTimestamp(text: string): boolean {
  const length = text.length
  if (length < SECONDS_SHAPE.length + 1 || text.charCodeAt(length - 1) !== 0x5a) return false
  for (let i = 0; i < SECONDS_SHAPE.length; i++) {
    const want = SECONDS_SHAPE.charCodeAt(i)
    const c = text.charCodeAt(i)
    if (want === 0x30 ? !isDigit(c) : c !== want) return false
  }
  const afterSeconds = SECONDS_SHAPE.length
  if (length === afterSeconds + 1) return true
  const digits = length - afterSeconds - 2
  if (text.charCodeAt(afterSeconds) !== 0x2e || digits < 1 || digits > MAX_FRACTION_DIGITS)
    return false
  for (let i = afterSeconds + 1; i < length - 1; i++) if (!isDigit(text.charCodeAt(i))) return false
  return true
}
