/**
 * Hostile ThreatQ data for an export (`-e --dry-run --output`): indicator values with quotes,
 * backslashes, `]`, unicode, control characters and 1 MB strings, records of the wrong types or
 * missing fields, duplicate ids, a cursor that never advances, broken pages. The data collection's
 * query page is served through the ThreatQ simulator's fault rules (a raw body, any shape).
 * Each case ends exported with a correctly escaped pattern, in a logged skip, or in exit 1 with a
 * precise message.
 */
import type { Expectation } from '../harness.js'
import type { CorpusCase } from '../run-case.js'
import { dryRunCase, serveRaw } from './remote.js'

export interface ExportCase extends CorpusCase {
  /** The indicator values the output must hold, exactly (after unescaping their patterns). */
  exported?: string[]
}

const QUERY_PATH = '^/api/indicators/query$'

let nextId = 1000

/** A valid ThreatQ indicator record, as the query answers it. */
export function record(type: string, value: unknown, extra: Record<string, unknown> = {}) {
  nextId += 1
  return {
    id: nextId,
    value,
    type: { name: type },
    status: { name: 'Active' },
    created_at: '2024-01-01 00:00:00',
    updated_at: '2024-01-02 00:00:00',
    attributes: [],
    sources: [{ name: 'Corpus Feed' }],
    ...extra,
  }
}

/** Serves `body` for every query page until the case ends. */
const serve = serveRaw((world) => world.threatq, 'POST', QUERY_PATH)

const page = (data: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ total: Array.isArray(data) ? data.length : 1, data, ...extra })

let instance = 0
const exportCase = (
  name: string,
  body: string,
  expect: Expectation,
  more: Partial<ExportCase> = {},
): ExportCase =>
  dryRunCase<ExportCase>('-e', `tq-${String((instance += 1))}`, name, serve(body), expect, more)

const exported = (values: string[]): Pick<ExportCase, 'exported'> => ({ exported: values })
const ok: Expectation = { code: 0 }
const skipped = (id: number, reason: RegExp): Expectation => ({
  code: 0,
  logged: [
    { msg: /^indicator skipped: /, detail: new RegExp(`"id":${String(id)}\\b.*${reason.source}`) },
  ],
})
const malformed = (detail: RegExp): Expectation => ({
  code: 0,
  logged: [{ msg: /skipped an indicator record ThreatQ sent malformed/, detail }],
})

/** Values that are valid indicators and must arrive intact inside an escaped pattern. */
const EXPORTED: [string, string, string][] = [
  ['a URL with a single quote', 'URL', "http://evil.example/it's"],
  ['a URL with two quotes', 'URL', "http://evil.example/?q='a'"],
  ['a URL with a backslash', 'URL', 'http://evil.example/a\\b'],
  ['a URL with a backslash before a quote', 'URL', "http://evil.example/\\'"],
  ['a URL ending in a backslash', 'URL', 'http://evil.example/x\\'],
  ['a URL with a closing bracket', 'URL', 'http://evil.example/a]b'],
  ['a URL with a pattern injection', 'URL', "http://evil.example/']OR[ipv4-addr:value='1.1.1.1"],
  ['a URL with a double quote', 'URL', 'http://evil.example/"x"'],
  ['a URL with unicode in the path', 'URL', 'http://evil.example/пример/ü'],
  ['a URL with an IDN host', 'URL', 'http://пример.example/'],
  ['a URL with percent escapes', 'URL', 'http://evil.example/%27%5C'],
  ['a URL 8 kB long', 'URL', `http://evil.example/${'a'.repeat(8000)}`],
  ['an IPv6 address in upper case', 'IPv6 Address', '2001:DB8::1'],
  ['an IPv4 address with blanks around it', 'IP Address', ' 198.51.100.7 '],
]

const NORMALISED: Record<string, string> = {
  '2001:DB8::1': '2001:db8::1',
  // A URL's host goes out as a domain does (A-labels); its path as written.
  'http://пример.example/': 'http://xn--e1afmkfd.example/',
  ' 198.51.100.7 ': '198.51.100.7',
}

/** Values that must be skipped (never sent), with the reason the log gives. */
const SKIPPED: [string, string, unknown, RegExp][] = [
  ['an FQDN with a quote', 'FQDN', "evil'.example", /not a host name/],
  ['an FQDN with a bracket', 'FQDN', 'evil.example]', /not a host name/],
  ['an FQDN with a backslash', 'FQDN', 'evil\\.example', /not a host name/],
  ['an FQDN with a space', 'FQDN', 'evil example.com', /not a host name/],
  ['an FQDN with a newline', 'FQDN', 'evil.example\nbad.example', /not a host name/],
  ['an IP address with a quote', 'IP Address', "198.51.100.7'", /not a dotted-quad/],
  ['an IP address with a leading zero', 'IP Address', '010.1.1.1', /not a dotted-quad/],
  ['an IPv6 address with a zone', 'IPv6 Address', 'fe80::1%eth0', /zone ids/],
  ['a CIDR beyond /32', 'CIDR Block', '10.0.0.0/33', /above \/32/],
  ['a URL with a control character', 'URL', 'http://evil.example/\u0007', /control characters/],
  ['a URL with a NUL', 'URL', 'http://evil.example/\u0000x', /control characters/],
  ['a URL with a space', 'URL', 'http://evil.example/a b', /white space/],
  [
    'a URL with a spaced pattern injection',
    'URL',
    "http://evil.example/'] OR [ipv4-addr:value = '1.1.1.1",
    /white space/,
  ],
  ['a URL with a line separator', 'URL', 'http://evil.example/a\u2028b', /white space/],
  ['a javascript: URL', 'URL', "javascript:alert('x')", /scheme javascript:/],
  ['a 1 MB URL', 'URL', `http://evil.example/${'a'.repeat(1 << 20)}`, /longer than 8192/],
  ['a 1 MB FQDN', 'FQDN', `${'a'.repeat(1 << 20)}.example`, /longer than 8192/],
  ['an empty value', 'FQDN', '   ', /empty value/],
  ['a number as an FQDN', 'FQDN', 12345, /two labels|top-level/],
  ['a hash AED cannot enforce', 'MD5', 'd41d8cd98f00b204e9800998ecf8427e', /not enforceable|AED/],
  ['an unknown indicator type', 'Mutex', 'Global\\evil', /./],
]

/** Records that fail validation as a whole: skipped with their id and the field at fault. */
const MALFORMED: [string, Record<string, unknown>, RegExp][] = [
  ['an id that is a string', { id: 'abc' }, /"id":"abc".*id: /],
  ['a negative id', { id: -5 }, /"id":-5/],
  ['a fractional id', { id: 1.5 }, /"id":1\.5/],
  ['an id beyond 2^53', { id: 2 ** 60 }, /"reason":"id: /],
  ['a value that is an object', { value: { x: 1 } }, /value: /],
  ['a value that is a list', { value: ['1.2.3.4'] }, /value: /],
  ['a type that is a number', { type: 5 }, /type: /],
  ['updated_at that is a number', { updated_at: 12 }, /updated_at: /],
  ['updated_at that is not a time', { updated_at: 'yesterday' }, /not a ThreatQ time/],
  ['updated_at on 30 February', { updated_at: '2024-02-30 00:00:00' }, /updated_at: /],
  ['no updated_at', { updated_at: undefined }, /updated_at: /],
  ['no created_at', { created_at: undefined }, /created_at: /],
  ['attributes that are a string', { attributes: 'Label=x' }, /attributes: /],
  ['sources that are an object', { sources: { name: 'x' } }, /sources: /],
  ['a related adversary without an id', { adversaries: [{ name: 'APT' }] }, /adversaries\.0\.id: /],
  [
    'an attribute value that is an object',
    { attributes: [{ name: 'Label', value: {} }] },
    /attributes\.0\.value/,
  ],
]

const NOT_A_RECORD: [string, unknown][] = [
  ['null', null],
  ['a string', 'indicator'],
  ['a list', [1, 2]],
  ['a number', 7],
]

/** Pages that cannot be read at all: exit 1 with one precise line. */
const BROKEN_PAGES: [string, string, RegExp][] = [
  ['a body that is not JSON', 'not json', /is not JSON/],
  ['an empty body', '', /is not JSON/],
  ['an HTML error page with 200', '<html><body>Gateway</body></html>', /is not JSON/],
  ['a truncated body', '{"total": 5, "data": [{"id": 1, "val', /is not JSON/],
  ['null', 'null', /does not match the expected shape/],
  ['a list instead of a page', '[]', /does not match the expected shape/],
  ['data that is a string', '{"total": 1, "data": "x"}', /does not match the expected shape: data/],
  [
    'a total that is a word',
    '{"total": "many", "data": []}',
    /does not match the expected shape: total/,
  ],
  [
    'a cursor that is a number',
    '{"total": 1, "data": [], "nextCursorMark": 5}',
    /does not match the expected shape: nextCursorMark/,
  ],
  ['an errors key with 200', '{"errors": ["Query failed"]}', /the answer carries errors/],
]

const queryFailure = (message: RegExp): Expectation => ({
  code: 1,
  stderr: new RegExp(
    `^tq-conn-netscout-aed: threatq POST \\S+/api/indicators/query\\S* returned an unusable response: the indicators query page:? ${message.source}`,
  ),
})

const duplicate = record('FQDN', 'twice.example')
const stuck = [record('FQDN', 'stuck-one.example'), record('FQDN', 'stuck-two.example')]

export const THREATQ_DATA: ExportCase[] = [
  ...EXPORTED.map(([what, type, value]) =>
    exportCase(
      `exports ${what}, escaped`,
      page([record(type, value)]),
      ok,
      exported([NORMALISED[value] ?? value]),
    ),
  ),
  ...SKIPPED.map(([what, type, value, reason]) => {
    const r = record(type, value)
    return exportCase(`skips ${what}`, page([r]), skipped(r.id, reason), exported([]))
  }),
  ...MALFORMED.map(([what, patch, detail]) =>
    exportCase(
      `skips a record with ${what}`,
      page([{ ...record('FQDN', 'malformed.example'), ...patch }, record('FQDN', 'fine.example')]),
      malformed(detail),
      exported(['fine.example']),
    ),
  ),
  ...NOT_A_RECORD.map(([what, item]) =>
    exportCase(
      `skips a record that is ${what}`,
      page([item, record('FQDN', 'fine.example')]),
      malformed(/"reason":"\(record\): /),
      exported(['fine.example']),
    ),
  ),
  ...BROKEN_PAGES.map(([what, body, message], i) =>
    exportCase(
      `fails on a query page that is ${what}`,
      body,
      queryFailure(message),
      i === 0 ? { spawn: true } : {},
    ),
  ),
  exportCase(
    'exports a record listed twice in one page once',
    page([duplicate, duplicate]),
    {
      code: 0,
      logged: [{ msg: /skipped an indicator record ThreatQ sent malformed/, detail: /duplicate/ }],
    },
    exported(['twice.example']),
  ),
  // The membership scan decides revocations: a read it cannot finish is an error, not a short
  // membership.
  exportCase(
    'fails (exit 1) on a cursor that never advances, rather than act on a partial membership',
    page(stuck, { nextCursorMark: 'stuck' }),
    {
      code: 1,
      stderr:
        /^tq-conn-netscout-aed: threatq POST \S+ returned an unusable response: paging of the data collection "[^"]+" stopped after 2 records: ThreatQ returned the same page again; a partial membership would revoke what it missed, so nothing was changed in AED\n$/,
    },
  ),
  exportCase(
    'exports an indicator with a 1 MB label attribute',
    page([
      record('FQDN', 'big-label.example', {
        attributes: [{ name: 'Label', value: 'x'.repeat(1 << 20) }],
      }),
    ]),
    ok,
    exported(['big-label.example']),
  ),
  exportCase(
    'exports an indicator with a 1 MB description',
    page([record('FQDN', 'big-description.example', { description: 'd'.repeat(1 << 20) })]),
    ok,
    exported(['big-description.example']),
  ),
]
