/**
 * Comments point only at what a reader of this repository can open: a `*.md` a comment names
 * exists (from the repository's root, or beside the file for `./` and `../`), a section it quotes
 * after the file name is one of that file's headings (or a bold lead-in), and no comment cites a
 * numbered section of a document kept elsewhere, the design brief, or the history of issues and
 * sessions (git holds that; a comment says why the code is as it is now).
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import ts from 'typescript'

/** The repository, from the compiled test's place (dist/test/). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const SCANNED = ['src', 'sim', 'bench', 'scripts', 'test', 'demo']
const SOURCE = /\.(?:ts|mts|mjs|js|cjs)$/
/** Files without any of these cannot hold a pointer worth checking (parsing them all is slow). */
const MAY_POINT = /\.md\b|§|DESIGN|\b(?:issues?|sessions?) \d|\bitem \d/i

export interface Finding {
  line: number
  problem: string
}

/** Every comment of a source file, with the line it starts on. */
export function commentsOf(fileName: string, text: string): { line: number; text: string }[] {
  const kind = /\.(?:mjs|js|cjs)$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, kind)
  const found = new Map<number, { line: number; text: string }>()
  const add = (ranges: ts.CommentRange[] | undefined): void => {
    for (const r of ranges ?? []) {
      if (found.has(r.pos)) continue
      const line = file.getLineAndCharacterOfPosition(r.pos).line + 1
      found.set(r.pos, { line, text: text.slice(r.pos, r.end) })
    }
  }
  const visit = (node: ts.Node): void => {
    add(ts.getLeadingCommentRanges(text, node.getFullStart()))
    add(ts.getTrailingCommentRanges(text, node.getEnd()))
    for (const child of node.getChildren(file)) visit(child)
  }
  visit(file)
  // A run of `//` lines is one comment: a quotation may go on to the next line.
  const merged: { line: number; text: string }[] = []
  for (const c of [...found.values()].sort((a, b) => a.line - b.line)) {
    const last = merged.at(-1)
    const lines = last === undefined ? 0 : last.text.split('\n').length
    if (last?.text.startsWith('//') && c.text.startsWith('//') && c.line === last.line + lines)
      last.text += `\n${c.text}`
    else merged.push({ ...c })
  }
  return merged
}

/** A comment's words on one line: the comment markers and line breaks gone. */
export function plain(comment: string): string {
  return comment
    .replace(/^\/\*\*?|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*(?:\/\/|\*(?!\*))?\s?/, ''))
    .join(' ')
    .replace(/\s+/g, ' ')
}

/** The headings of a Markdown file (outside code fences) and its bold lead-ins. */
export function anchorsOf(markdown: string): string[] {
  const anchors: string[] = []
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^\s*(?:```|~~~)/.test(line)) fenced = !fenced
    if (fenced) continue
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading !== undefined) anchors.push(heading)
    for (const bold of line.matchAll(/\*\*([^*]+)\*\*/g)) anchors.push(bold[1] ?? '')
  }
  return anchors
}

/**
 * The sections quoted right after a file's name: `, "A"`, `"A" and "B"`, `, from "A" to "B"`;
 * a quotation further on is the comment's own words.
 */
export function sectionsAfter(rest: string): string[] {
  const sections: string[] = []
  const next = /^\s*(?:,\s*)?(?:(?:and|or|to|from)\s+)?"([^"]+)"/
  for (let m = next.exec(rest); m !== null; m = next.exec(rest)) {
    sections.push(m[1] ?? '')
    rest = rest.slice(m[0].length)
  }
  return sections
}

const MD = /(?<![\w./-])((?:\.{1,2}\/)?[\w.-]+(?:\/[\w.-]+)*\.md)\b/g

/**
 * What is wrong with one comment's pointers. `open` reads a repository path (undefined when the
 * file does not exist); `from` is the commented file's path in the repository.
 */
export function problemsOf(
  text: string,
  from: string,
  open: (path: string) => string | undefined,
): string[] {
  const words = plain(text).replace(/\bhttps?:\/\/\S+/g, '')
  const problems: string[] = []
  if (/(?<!RFC \d+ )§\s*\d/.test(words))
    problems.push('cites a numbered section (§) of a document outside the repository')
  if (/\bDESIGN\b/.test(words))
    problems.push('cites the design brief, which is not in the repository')
  // Quoted headings may name a session: only the comment's own words are judged.
  if (/\b(?:issues?|sessions?) \d+|\bitem \d+ of\b/i.test(words.replace(/"[^"]*"/g, '')))
    problems.push('cites an issue or a session: history belongs in git, the why in the comment')
  for (const m of words.matchAll(MD)) {
    const name = m[1] ?? ''
    const path = name.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(from), name)) : name
    const markdown = open(path)
    if (markdown === undefined) {
      problems.push(`names ${name}, which is not in the repository`)
      continue
    }
    const anchors = anchorsOf(markdown).map((a) => a.toLowerCase())
    for (const quoted of sectionsAfter(words.slice(m.index + name.length))) {
      if (!anchors.some((a) => a.startsWith(quoted.toLowerCase())))
        problems.push(`quotes "${quoted}" as a section of ${name}, which has no such heading`)
    }
  }
  return problems
}

/**
 * What is wrong with the pointers of one Markdown document (README.md or docs/*.md): a numbered
 * section (a section sign and a number, after a document's name or alone; RFCs aside) or the
 * design brief, which are not in the repository, and a section quoted after a document's name that
 * is not one of its headings. A name is read from the document's folder, then from the root.
 */
export function docProblemsOf(
  markdown: string,
  from: string,
  open: (path: string) => string | undefined,
): string[] {
  const problems: string[] = []
  let fenced = false
  const prose: string[] = []
  for (const line of markdown.split('\n')) {
    if (/^\s*(?:```|~~~)/.test(line)) fenced = !fenced
    else if (!fenced) prose.push(line)
  }
  for (const paragraph of prose.join('\n').split(/\n\s*\n/)) {
    const words = paragraph.replace(/\bhttps?:\/\/\S+/g, '').replace(/\s+/g, ' ')
    for (const m of words.matchAll(/(?:\b[\w./-]+\.md )?(?<!RFC \d+ )§\s*[\w.–-]+/g))
      problems.push(`cites ${m[0]}: a numbered section of a document outside the repository`)
    if (/\bDESIGN\b/.test(words))
      problems.push('cites the design brief, which is not in the repository')
    for (const m of words.matchAll(MD)) {
      const name = m[1] ?? ''
      const sections = sectionsAfter(words.slice(m.index + name.length))
      if (sections.length === 0) continue
      const markdown = open(join(dirname(from), name)) ?? open(name)
      if (markdown === undefined) {
        problems.push(`names ${name}, which is not in the repository`)
        continue
      }
      const anchors = anchorsOf(markdown).map((a) => a.toLowerCase())
      for (const quoted of sections)
        if (!anchors.some((a) => a.startsWith(quoted.toLowerCase())))
          problems.push(`quotes "${quoted}" as a section of ${name}, which has no such heading`)
    }
  }
  return problems
}

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) files.push(...sourceFiles(path))
    else if (SOURCE.test(entry.name)) files.push(path)
  }
  return files
}

function readRepo(path: string): string | undefined {
  const full = join(ROOT, path)
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined
}

/** A repository of two documents, for the checks' own tests. */
const FAKE_DOCS = new Map([
  [
    'docs/a.md',
    '# A\n\n## Deny and allow lists\n\n**Strict lists** (…)\n```\n# not a heading\n```\n\n## Open points\n',
  ],
  ['README.md', '# R\n## Exit codes\n'],
])
const openFake = (path: string): string | undefined => FAKE_DOCS.get(path)

describe('comments point at what is in the repository', () => {
  it('finds the problems it looks for (and not the pointers that are fine)', () => {
    const check = (comment: string): string[] => problemsOf(comment, 'src/x/y.ts', openFake)
    assert.deepEqual(
      check('// fine (docs/a.md, "Deny and allow lists"; README.md, "Exit codes").'),
      [],
    )
    assert.deepEqual(check('/**\n * fine (docs/a.md, "Deny and\n * allow lists").\n */'), [])
    assert.deepEqual(check('// fine (docs/a.md, "Deny and\n// allow lists").'), [])
    assert.equal(check('// (docs/a.md, "Deny and\n// no such part")').length, 1)
    assert.deepEqual(check('// fine (docs/a.md "Strict lists") and ../../README.md'), [])
    assert.deepEqual(check('// RFC 9110 §5.6.7 is public'), [])
    assert.deepEqual(check('// see https://example.com/gone.md'), [])
    assert.equal(check('// facts: aed-api.md').length, 1)
    assert.equal(check('// facts: docs/a.md §2.2').length, 1)
    assert.equal(check('// DESIGN says so').length, 1)
    assert.equal(check('// since issue 19').length, 1)
    assert.equal(check('// measured in session 3').length, 1)
    assert.equal(check('// item 7 of the list').length, 1)
    assert.equal(check('// (docs/a.md, "No such part")').length, 1)
    assert.equal(check('// (docs/a.md, "not a heading")').length, 1)
    assert.deepEqual(check('// (docs/a.md, "Deny and allow lists": AED\'s "own words")'), [])
    assert.equal(check('// (README.md, "Exit codes" of session 2)').length, 1)
    assert.deepEqual(sectionsAfter(', from "A" to "B": "c"'), ['A', 'B'])
  })

  it('reads every comment, and nothing in strings, templates or regular expressions', () => {
    const text = [
      "const a = '// not a comment'",
      'const b = `/* nor this ${1} */`',
      'const c = /\\/\\/ nor this/',
      '// one',
      '// one more',
      'function f(): void {',
      '  /* two */',
      '} // three',
    ].join('\n')
    assert.deepEqual(
      commentsOf('x.ts', text).map((c) => [c.line, c.text]),
      [
        [4, '// one\n// one more'],
        [7, '/* two */'],
        [8, '// three'],
      ],
    )
  })

  it('holds for every comment in the checked directories', () => {
    const found: string[] = []
    let checked = 0
    for (const dir of SCANNED) {
      if (!existsSync(join(ROOT, dir))) continue
      for (const file of sourceFiles(dir)) {
        checked += 1
        const text = readFileSync(join(ROOT, file), 'utf8')
        if (!MAY_POINT.test(text)) continue
        for (const c of commentsOf(file, text))
          for (const p of problemsOf(c.text, file, readRepo))
            found.push(`${file}:${String(c.line)}: ${p}`)
      }
    }
    assert.ok(checked > 100, `only ${String(checked)} files checked`)
    assert.deepEqual(found, [])
  })

  it('finds numbered sections, the design brief and missing headings in the docs', () => {
    const check = (markdown: string): string[] => docProblemsOf(markdown, 'docs/b.md', openFake)
    const fine = [
      'docs/a.md, "Open points"; a.md "Open\npoints"; README.md, "Exit codes".',
      'RFC 9110 §5.6.7 and <https://example.com/x.md>',
      '```\naed-api.md §3.3\n```\n',
    ]
    for (const text of fine) assert.deepEqual(check(text), [], text)
    const wrong = [
      'as aed-api.md §3.3 says',
      'the keys (§2.3)',
      'threatq-api.md §pagination',
      'DESIGN says so',
      'see docs/a.md, "Closed points"',
      'see gone.md, "Anything"',
    ]
    for (const text of wrong) assert.equal(check(text).length, 1, text)
  })

  it('holds for README.md and every document in docs/', () => {
    const found: string[] = []
    const names = readdirSync(join(ROOT, 'docs')).filter((n) => n.endsWith('.md'))
    for (const file of ['README.md', ...names.map((n) => `docs/${n}`)]) {
      const text = readFileSync(join(ROOT, file), 'utf8')
      for (const p of docProblemsOf(text, file, readRepo)) found.push(`${file}: ${p}`)
    }
    assert.ok(names.length > 10, `only ${String(names.length)} documents in docs/`)
    assert.deepEqual(found, [])
  })
})
