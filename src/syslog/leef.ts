/**
 * LEEF (IBM QRadar Log Event Extended Format):
 * - 1.0: `LEEF:1.0|Vendor|Product|Version|EventID|attributes`, attributes separated by tabs;
 * - 2.0: `LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|attributes`, the delimiter one
 *   character or its hex code (`x09`, `0x5E`, `^`); empty or left out: tab.
 * Each attribute is `key=value` up to the next delimiter; LEEF defines no escapes. Severity is
 * the `sev` attribute (NETSCOUT's add-on reads `sev=`). A control-character delimiter is also
 * found in rsyslog's escaped form (`#011` for tab).
 */
import { parseExtension, readHeader, type PayloadResult } from './cef.js'

const TAB = '\t'

/** The delimiter a LEEF 2.0 header field names, or undefined when the field is not one. */
function delimiterOf(field: string): string | undefined {
  if (field === '') return TAB
  const hex = /^(?:0?x)([0-9a-f]{1,4})$/i.exec(field)
  if (hex !== null) return String.fromCharCode(parseInt(hex[1] as string, 16))
  return field.length === 1 && field !== '=' ? field : undefined
}

/**
 * rsyslog escapes control characters it receives as `#` and three octal digits
 * (`$EscapeControlCharactersOnReceive`, on by default), so LEEF's tab reaches the file as `#011`.
 */
function rsyslogEscaped(delimiter: string): string | undefined {
  const code = delimiter.charCodeAt(0)
  return delimiter.length === 1 && (code < 0x20 || code === 0x7f)
    ? `#${code.toString(8).padStart(3, '0')}`
    : undefined
}

function parseAttributes(text: string, raw: string): Map<string, string> {
  const escaped = rsyslogEscaped(raw)
  const delimiter =
    escaped !== undefined && !text.includes(raw) && text.includes(escaped) ? escaped : raw
  // [I: A-SYSLOG-LEEF-SPACES] Some senders separate LEEF attributes by spaces, as CEF does; with
  // no delimiter in sight but `key=` after a space, the attributes are read the CEF way.
  if (!text.includes(delimiter) && / [A-Za-z0-9_.]+=/.test(text)) return parseExtension(text, false)
  const fields = new Map<string, string>()
  for (const piece of text.split(delimiter)) {
    const eq = piece.indexOf('=')
    if (eq <= 0) continue
    const key = piece.slice(0, eq).trim()
    if (key !== '' && !fields.has(key)) fields.set(key, piece.slice(eq + 1).trimEnd())
  }
  return fields
}

/** A LEEF record from the text after `LEEF:` (version first). */
export function parseLeef(text: string): PayloadResult {
  const header = readHeader(text, 5, 'LEEF')
  if (!header.ok) return header
  const [version, vendor, product, productVersion, eventClass] = header.fields as [
    string,
    string,
    string,
    string,
    string,
  ]
  if (!/^[12](\.0)?$/.test(version))
    return { ok: false, reason: `LEEF version "${version.slice(0, 20)}" is neither 1.0 nor 2.0` }
  let delimiter = TAB
  let attributes = header.rest
  if (version.startsWith('2')) {
    const field = /^([^|]{0,6})\|/.exec(attributes)
    const named = field === null ? undefined : delimiterOf(field[1] as string)
    if (field !== null && named !== undefined) {
      delimiter = named
      attributes = attributes.slice(field[0].length)
    }
  }
  return {
    ok: true,
    record: {
      format: 'leef',
      version,
      vendor,
      product,
      productVersion,
      eventClass,
      name: undefined,
      severity: undefined,
      fields: parseAttributes(attributes, delimiter),
    },
  }
}
