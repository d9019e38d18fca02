/**
 * Hostile AED data for an import (`-i --dry-run --output`): alert values with quotes, control
 * characters, unicode and 1 MB strings (added through the AED simulator's /_sim/alerts); alerts
 * with missing or wrong-typed fields, huge numbers, duplicate ids, a list that ignores perPage and
 * bodies that are not JSON (served raw through its fault rules). Each case ends imported, in a
 * logged skip, or in exit 1 with a precise message.
 */
import type { Expectation } from '../harness.js'
import type { CaseContext, CorpusCase } from '../run-case.js'
import { dryRunCase, serveRaw } from './remote.js'

export interface ImportCase extends CorpusCase {
  /** Alert ids that must have become exactly one event each in the output. */
  events?: number[]
}

const ALERTS_PATH = '^/api/aed/v3/alerts/$'

let nextId = 5000
const newId = (): number => (nextId += 1)

/** A complete, valid alert as AED's list answers it. */
export function alert(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    alertId: newId(),
    alertType: 'blocked-host',
    category: 'threat',
    severity: 5,
    startTime: 1_767_225_600,
    endTime: null,
    direction: 'inbound',
    src: '203.0.113.9',
    dst: '10.0.0.1',
    matchType: 'ip',
    iocPattern: '203.0.113.9',
    ...extra,
  }
}

/** Adds alerts through the simulator (after a reset), as AED would hold them. */
const stored = (alerts: Record<string, unknown>[]) => ({
  setup: async (ctx: CaseContext) => {
    await ctx.world.aed.admin('POST', '/_sim/reset')
    await ctx.world.aed.admin('POST', '/_sim/alerts', { alerts })
  },
})

/** Serves `body` for every alerts page until the case ends. */
const served = serveRaw((world) => world.aed, 'GET', ALERTS_PATH)

let instance = 0
const importCase = (
  name: string,
  serving: Pick<CorpusCase, 'setup' | 'teardown'>,
  expect: Expectation,
  more: Partial<ImportCase> = {},
): ImportCase =>
  dryRunCase<ImportCase>('-i', `aed-${String((instance += 1))}`, name, serving, expect, more)

const valueSkipped = (value: RegExp): Expectation => ({
  code: 0,
  logged: [{ msg: /alert value not imported as an indicator/, detail: value }],
})

/** IOC values AED may report: the event is imported, the bad value is not an indicator. */
const BAD_VALUES: [string, Record<string, unknown>, RegExp][] = [
  [
    'a DNS IOC with a quote',
    { matchType: 'dns', iocPattern: "evil'.example" },
    /"value":"evil'\.example"/,
  ],
  [
    'a DNS IOC with a bracket',
    { matchType: 'dns', iocPattern: 'evil.example]' },
    /"value":"evil\.example\]"/,
  ],
  [
    'a DNS IOC with a backslash',
    { matchType: 'dns', iocPattern: 'evil\\.example' },
    /"value":"evil\\\\\.example"/,
  ],
  [
    'a URL IOC with a newline',
    { matchType: 'url', iocPattern: 'evil.example/a\nb' },
    /control characters|white space/,
  ],
  [
    'a URL IOC with a NUL',
    { matchType: 'url', iocPattern: 'evil.example/\u0000' },
    /control characters/,
  ],
  ['an IP IOC that is a word', { matchType: 'ip', iocPattern: 'localhost' }, /"value":"localhost"/],
  [
    'a 1 MB DNS IOC',
    { matchType: 'dns', iocPattern: `${'a'.repeat(1 << 20)}.example` },
    /longer than 8192/,
  ],
  [
    'a remote host that is not an address',
    { src: "1.2.3.4'; DROP", iocPattern: null, matchType: null },
    /not an IP address, host name or URL/,
  ],
  [
    'a remote host with unicode',
    { src: '١٢٣.١.١.١', iocPattern: null, matchType: null },
    /not an IP address/,
  ],
]

/** Values that are fine for ThreatQ: imported as they are. */
const IMPORTED: [string, Record<string, unknown>][] = [
  ['a URL IOC with a quote', { matchType: 'url', iocPattern: "evil.example/it's" }],
  ['a unicode category and threat name', { category: 'угроза 🚨', threatName: '"quoted" \\ name' }],
  ['a 1 MB description', { description: 'd'.repeat(1 << 20) }],
  ['a threat name with control characters', { threatName: 'evil\u0007\u001b[31m' }],
]

/** Alerts the connector cannot use: skipped, with their id and the field at fault. */
const MALFORMED: [string, Record<string, unknown>, RegExp][] = [
  ['no alertId', { alertId: undefined }, /"reason":"alertId: /],
  ['an alertId that is a string', { alertId: '77' }, /"id":"77".*alertId: /],
  ['alertId 0', { alertId: 0 }, /"id":0[,}].*alertId: /],
  ['an alertId beyond 2^53', { alertId: 2 ** 60 }, /alertId: /],
  ['severity 10', { severity: 10 }, /severity: /],
  ['severity as a word', { severity: 'high' }, /severity: /],
  ['severity null', { severity: null }, /severity: /],
  ['no startTime', { startTime: undefined }, /startTime: /],
  ['a negative startTime', { startTime: -5 }, /startTime: /],
  ['a startTime in milliseconds past year 9999', { startTime: 1e15 }, /startTime: /],
  ['a startTime of 1e308', { startTime: 1e308 }, /startTime: /],
  ['no alertType', { alertType: undefined }, /alertType: /],
  ['an alertType that is a number', { alertType: 3 }, /alertType: /],
  ['a category that is an object', { category: { x: 1 } }, /category: /],
  ['a port that is a word', { srcPort: 'http' }, /srcPort: /],
  ['a pgid of 1e300', { pgid: 1e300 }, /pgid: /],
  ['an iocPattern that is a list', { iocPattern: ['a'] }, /iocPattern: /],
]

const NOT_AN_ALERT: [string, unknown][] = [
  ['null', null],
  ['a string', 'alert'],
  ['a number', 42],
  ['a list', [1]],
]

const BROKEN_LISTS: [string, string, RegExp][] = [
  ['a body that is not JSON', 'OK', /is not JSON/],
  ['an empty body', '', /is not JSON/],
  ['an HTML page', '<html>maintenance</html>', /is not JSON/],
  ['a truncated list', '{"alerts": [{"alertId": 1, "sev', /is not JSON/],
  ['a list instead of an object', '[]', /does not match the expected shape/],
  ['alerts that are a string', '{"alerts": "none"}', /does not match the expected shape: alerts/],
  ['alerts that are null', '{"alerts": null}', /does not match the expected shape: alerts/],
  ['no alerts key', '{"data": []}', /does not match the expected shape: alerts/],
]

const aedFailure = (message: RegExp): Expectation => ({
  code: 1,
  stderr: new RegExp(
    `^tq-conn-netscout-aed: aed GET \\S+/api/aed/v3/alerts/\\S* returned an unusable response: alerts page 1 ${message.source}`,
  ),
})

const list = (alerts: unknown[]): string => JSON.stringify({ alerts })
const twice = alert()
const many = Array.from({ length: 1001 }, () => alert())
const fullPage = Array.from({ length: 1000 }, () => alert())
const ids = (alerts: Record<string, unknown>[]): number[] => alerts.map((a) => a.alertId as number)

export const AED_ALERTS: ImportCase[] = [
  ...BAD_VALUES.map(([what, fields, value]) => {
    const a = alert(fields)
    return importCase(`imports the alert but skips ${what}`, stored([a]), valueSkipped(value), {
      events: ids([a]),
    })
  }),
  ...IMPORTED.map(([what, fields]) => {
    const a = alert(fields)
    return importCase(`imports ${what}`, stored([a]), { code: 0 }, { events: ids([a]) })
  }),
  ...MALFORMED.map(([what, fields, detail]) => {
    const good = alert()
    return importCase(
      `skips an alert with ${what}`,
      served(list([{ ...alert(), ...fields }, good])),
      { code: 0, logged: [{ msg: /skipped an alert AED sent malformed/, detail }] },
      { events: ids([good]) },
    )
  }),
  ...NOT_AN_ALERT.map(([what, item]) => {
    const good = alert()
    return importCase(
      `skips a list item that is ${what}`,
      served(list([item, good])),
      {
        code: 0,
        logged: [{ msg: /skipped an alert AED sent malformed/, detail: /"reason":"\(alert\): / }],
      },
      { events: ids([good]) },
    )
  }),
  ...BROKEN_LISTS.map(([what, body, message], i) =>
    importCase(
      `fails on an alerts page that is ${what}`,
      served(body),
      aedFailure(message),
      i === 0 ? { spawn: true } : {},
    ),
  ),
  importCase(
    'skips an alertId with 400 digits',
    served(
      `{"alerts": [{"alertId": ${'9'.repeat(400)}, "alertType": "ddos", "severity": 5, "startTime": 1}]}`,
    ),
    { code: 0, logged: [{ msg: /skipped an alert AED sent malformed/, detail: /alertId: / }] },
    { events: [] },
  ),
  importCase(
    'imports an alert listed twice once',
    served(list([twice, twice])),
    { code: 0, logged: [{ msg: /skipped an alert AED listed twice/ }] },
    { events: ids([twice]) },
  ),
  importCase(
    'takes a list that ignores perPage as complete, once',
    served(list(many)),
    { code: 0, logged: [{ msg: /AED ignored perPage/ }] },
    { events: ids(many) },
  ),
  importCase(
    'stops when every page is the same full page',
    served(list(fullPage)),
    { code: 0, logged: [{ msg: /AED returned the same alerts page again/ }] },
    { events: ids(fullPage) },
  ),
]
