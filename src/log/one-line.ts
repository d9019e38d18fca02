/**
 * Text from outside (a server's error message, a value read from AED) put into a line we print:
 * a line break in it would forge a line of our own (a summary or an error line that is not ours),
 * other controls drive the terminal, and bidirectional controls (U+202E …) make it display as
 * something else. Each is shown as a `\u….` escape instead, so the line stays one line and reads
 * as it is.
 */

// C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional and
// invisible format characters (ALM, ZWSP–RLM, LRE–RLO, WJ–invisible plus, LRI–PDI, BOM).
const UNSAFE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu

/** Whether `text` holds a character `oneLine` would escape. */
export function hasUnsafeCharacters(text: string): boolean {
  UNSAFE.lastIndex = 0
  const found = UNSAFE.test(text)
  UNSAFE.lastIndex = 0
  return found
}

/** `text` with every line break, control and bidirectional character escaped (`\u000a`). */
export function oneLine(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`)
}
