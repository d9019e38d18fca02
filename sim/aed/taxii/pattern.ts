/**
 * A small sim-side reader for the STIX patterns AED can enforce: observation expressions
 * `[type:path = 'value']` whose comparisons are joined by OR, themselves joined by OR, with the
 * `\\` and `\'` string escapes (docs/stix.md, "Escaping"). Anything richer (AND, FOLLOWEDBY, other
 * operators, qualifiers) is read as "not enforceable" with a reason, not as an error.
 */

export interface Comparison {
  objectType: string
  /** Property path as written, e.g. `value` or `hashes.'SHA-256'`. */
  path: string
  value: string
}

export type PatternReading = { ok: true; comparisons: Comparison[] } | { ok: false; reason: string }

type Token =
  | { kind: 'punct'; text: string }
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'other'; text: string }

class PatternSyntaxError extends Error {}

// Sticky regexes: the tokenizer runs once per pushed indicator, so it avoids substrings.
const SPACE = /\s+/y
const WORD = /[A-Za-z0-9_-]+/y
const OTHER = /[^\sA-Za-z0-9_'[\]():.=-]+/y
const STRING_CHUNK = /[^'\\]+/y

function sticky(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at
  return re.exec(text)?.[0]
}

function stringLiteral(pattern: string, start: number): { text: string; end: number } {
  let text = ''
  let i = start
  for (;;) {
    const chunk = sticky(STRING_CHUNK, pattern, i)
    if (chunk !== undefined) {
      text += chunk
      i += chunk.length
    }
    if (i >= pattern.length) throw new PatternSyntaxError('unterminated string literal')
    if (pattern.charAt(i) === "'") return { text, end: i + 1 }
    const next = pattern.charAt(i + 1)
    if (next !== '\\' && next !== "'") {
      throw new PatternSyntaxError(`invalid escape \\${next} (only \\\\ and \\' are allowed)`)
    }
    text += next
    i += 2
  }
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < pattern.length) {
    const space = sticky(SPACE, pattern, i)
    if (space !== undefined) {
      i += space.length
      continue
    }
    const ch = pattern.charAt(i)
    if (ch === "'") {
      const literal = stringLiteral(pattern, i + 1)
      tokens.push({ kind: 'string', text: literal.text })
      i = literal.end
    } else if ('[]():.'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch })
      i++
    } else if (ch === '=') {
      const text = pattern.charAt(i + 1) === '=' ? '==' : '='
      tokens.push({ kind: 'punct', text })
      i += text.length
    } else {
      const word = sticky(WORD, pattern, i)
      const text = word ?? sticky(OTHER, pattern, i) ?? ch
      tokens.push({ kind: word === undefined ? 'other' : 'word', text })
      i += text.length
    }
  }
  return tokens
}

class Reader {
  private pos = 0
  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.pos]
  }

  next(): Token | undefined {
    return this.tokens[this.pos++]
  }

  done(): boolean {
    return this.pos >= this.tokens.length
  }

  isPunct(text: string): boolean {
    const t = this.peek()
    return t?.kind === 'punct' && t.text === text
  }

  isWord(text: string): boolean {
    const t = this.peek()
    return t?.kind === 'word' && t.text === text
  }
}

class Unsupported extends Error {}

function describeToken(t: Token | undefined): string {
  return t === undefined ? 'end of pattern' : `"${t.text}"`
}

function comparison(r: Reader): Comparison {
  const type = r.next()
  if (type?.kind !== 'word')
    throw new PatternSyntaxError(`expected an object type, got ${describeToken(type)}`)
  if (!r.isPunct(':')) throw new PatternSyntaxError(`expected ":" after ${type.text}`)
  r.next()
  const first = r.next()
  if (first?.kind !== 'word')
    throw new PatternSyntaxError(`expected a property, got ${describeToken(first)}`)
  let path = first.text
  while (r.isPunct('.')) {
    r.next()
    const part = r.next()
    if (part?.kind === 'word') path += `.${part.text}`
    else if (part?.kind === 'string') path += `.'${part.text}'`
    else throw new PatternSyntaxError(`bad property path after ${path}`)
  }
  const op = r.next()
  if (!(op?.kind === 'punct' && (op.text === '=' || op.text === '=='))) {
    throw new Unsupported(`operator ${describeToken(op)} is not enforceable (only "=")`)
  }
  const literal = r.next()
  if (literal?.kind !== 'string')
    throw new Unsupported(`only string values are enforceable, got ${describeToken(literal)}`)
  return { objectType: type.text, path, value: literal.text }
}

function observation(r: Reader, out: Comparison[]): void {
  if (!r.isPunct('[')) throw new Unsupported(`expected "[", got ${describeToken(r.peek())}`)
  r.next()
  out.push(comparison(r))
  while (r.isWord('OR')) {
    r.next()
    out.push(comparison(r))
  }
  if (r.isWord('AND')) throw new Unsupported('AND inside an observation is not enforceable')
  if (!r.isPunct(']')) throw new PatternSyntaxError(`expected "]", got ${describeToken(r.peek())}`)
  r.next()
}

/** The overwhelmingly common shape, read without tokenizing (ingestion speed). */
const SIMPLE = /^\[([a-z0-9-]+):value\s*=\s*'([^'\\]*)'\]$/

/** Reads a pattern into its OR-ed comparisons, or says why AED would not enforce it. */
export function readPattern(pattern: string): PatternReading {
  const simple = SIMPLE.exec(pattern)
  if (simple !== null) {
    return {
      ok: true,
      comparisons: [{ objectType: simple[1] ?? '', path: 'value', value: simple[2] ?? '' }],
    }
  }
  try {
    const r = new Reader(tokenize(pattern))
    const comparisons: Comparison[] = []
    observation(r, comparisons)
    while (r.isWord('OR')) {
      r.next()
      observation(r, comparisons)
    }
    if (!r.done()) {
      const t = r.peek()
      throw new Unsupported(
        t?.kind === 'word'
          ? `${t.text} between or after observations is not enforceable`
          : `unexpected ${describeToken(t)}`,
      )
    }
    return { ok: true, comparisons }
  } catch (error) {
    if (error instanceof Unsupported) return { ok: false, reason: error.message }
    if (error instanceof PatternSyntaxError)
      return { ok: false, reason: `syntax error: ${error.message}` }
    throw error
  }
}
