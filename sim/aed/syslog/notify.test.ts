/**
 * Blocked traffic → syslog notifications, received by real UDP and TCP listeners on loopback.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { DEFAULTS, type AedSim, type AedSimOptions } from '../app.js'
import { collectionIdFor } from '../taxii/store.js'
import { admin, call, createPg, newSim, NOW_MS, pushIndicators } from '../test-support.js'
import { tcpListener, udpListener, type Listener } from './listeners.js'

const V3 = '/api/aed/v3'
const open: { close(): unknown }[] = []
after(async () => {
  for (const o of open) await o.close()
})

async function simSendingTo(
  listener: Listener,
  destination: Record<string, unknown>,
  options: AedSimOptions = {},
): Promise<AedSim> {
  const sim = newSim({
    ...options,
    syslog: { otherEvery: 0, configChanges: false, ...options.syslog },
  })
  open.push(sim)
  const res = await call(sim, 'PATCH', `${V3}/remote-syslog/`, {
    body: { host: '127.0.0.1', port: listener.port, ...destination },
  })
  assert.equal(res.status, 200, res.text)
  return sim
}

async function flows(sim: AedSim, list: unknown[]): Promise<Record<string, unknown>> {
  const answer = await admin(sim, 'POST', '/_sim/traffic', { flows: list })
  await admin(sim, 'POST', '/_sim/notifications/drain')
  return answer
}

/** The CEF extension (or LEEF attributes) as a map; values unescaped. */
function extensionOf(line: string): Map<string, string> {
  const leef = line.includes('LEEF:2.0|')
  const body = leef
    ? line.slice(line.indexOf('|x09|') + 5)
    : line
        .split(/(?<!\\)\|/)
        .slice(7)
        .join('|')
  const out = new Map<string, string>()
  const pairs = leef ? body.split('\t') : body.split(/ (?=[A-Za-z0-9]+=)/)
  for (const pair of pairs) {
    const eq = pair.search(/(?<!\\)=/)
    out.set(pair.slice(0, eq), pair.slice(eq + 1).replace(/\\(.)/g, '$1'))
  }
  return out
}

const PREFIX = /^<132>Jan 15 12:00:00 aed-sim /

async function listeners(): Promise<{ udp: Listener; tcp: Listener }> {
  const udp = await udpListener()
  const tcp = await tcpListener()
  open.push(udp, tcp)
  return { udp, tcp }
}

describe('aed-sim notifications: one per blocked connection, as configured', () => {
  it('sends one CEF Blocked Host line over UDP for a deny-list block, with its fields and labels', async () => {
    const { udp } = await listeners()
    const sim = await simSendingTo(udp, { protocol: 'udp', format: 'cef' })
    const pgid = await createPg(sim, { name: 'web', prefixes: '192.0.2.0/24' })
    await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '203.0.113.0/24' },
    })
    const answer = await flows(sim, [
      { src: '203.0.113.5', dst: '192.0.2.10', srcPort: 5555, dstPort: 443, proto: 'tcp' },
      { src: '198.18.0.1', dst: '192.0.2.10', srcPort: 5555, dstPort: 443, proto: 'tcp' },
    ])
    assert.equal(answer.notifications, 1)
    const [line] = await udp.waitFor(1)
    assert.match(
      line ?? '',
      new RegExp(
        `${PREFIX.source}CEF:0\\|NETSCOUT\\|Arbor Edge Defense\\|7\\.1\\.1\\.0\\|Blocked Host\\|Blocked Host\\|5\\|rt=${String(NOW_MS)} `,
      ),
    )
    const ext = extensionOf(line ?? '')
    assert.deepEqual(Object.fromEntries(ext), {
      rt: String(NOW_MS),
      src: '203.0.113.5',
      dst: '192.0.2.10',
      spt: '5555',
      dpt: '443',
      proto: 'tcp',
      cn2: String(pgid),
      cn2Label: 'Protection Group ID',
      cs1: '203.0.113.0/24',
      cs1Label: 'IOC Pattern',
      cs2: 'web',
      cs2Label: 'Protection Group Name',
      cs3: 'ip',
      cs3Label: 'Match Type',
    })
    const counts = await admin(sim, 'GET', '/_sim/notifications')
    assert.equal(counts.sent, 1)
    assert.deepEqual(counts.byKind, {
      'blocked-host': 1,
      login: 0,
      'config-change': 0,
      'traffic-alert': 0,
    })
    assert.equal(udp.messages.length, 1, 'exactly one datagram')
  })

  it('sends a STIX block over TCP with the TAXII collection id and title (cs4, cs5)', async () => {
    const { tcp } = await listeners()
    const sim = await simSendingTo(tcp, { protocol: 'tcp', format: 'cef' })
    await pushIndicators(sim, ["[domain-name:value = 'evil.example']"])
    await flows(sim, [{ src: '198.51.100.9', dst: '192.0.2.1', host: 'www.evil.example' }])
    const [line] = await tcp.waitFor(1)
    const ext = extensionOf(line ?? '')
    assert.equal(ext.get('cs3'), 'dns')
    assert.equal(ext.get('cs1'), 'evil.example')
    assert.equal(ext.get('cs4'), collectionIdFor(DEFAULTS.collection))
    assert.equal(ext.get('cs4Label'), 'TAXII Collection ID')
    assert.equal(ext.get('cs5'), DEFAULTS.collection)
    assert.equal(ext.get('cs5Label'), 'TAXII Collection Title')
    assert.equal(ext.has('cn1'), false, 'cn1 is for AIF matches')
    assert.equal(ext.has('cs6'), false, 'cs6 is for AIF matches')
    assert.match(line ?? '', /\|Blocked Host\|7\|/, 'STIX severity')
    assert.equal(tcp.messages.length, 1)
  })

  it('sends an AIF block in LEEF 2.0 (tab-delimited, sev=) with cn1, cs6 and cs7', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const { udp, tcp } = await listeners()
      const listener = transport === 'udp' ? udp : tcp
      const sim = await simSendingTo(listener, { protocol: transport, format: 'leef' })
      const rules = await admin(sim, 'POST', '/_sim/aif', {
        rules: [
          {
            matchType: 'ip',
            value: '198.51.100.66',
            threatName: 'FormBook',
            threatCategory: 'Credential Theft',
            severity: 8,
          },
        ],
      })
      const elementId = (rules.rules as { elementId: number }[])[0]?.elementId
      await flows(sim, [{ src: '198.51.100.66', dst: '192.0.2.1', srcPort: 1, dstPort: 80 }])
      const [line] = await listener.waitFor(1)
      assert.match(
        line ?? '',
        new RegExp(
          `${PREFIX.source}LEEF:2\\.0\\|NETSCOUT\\|Arbor Edge Defense\\|7\\.1\\.1\\.0\\|Blocked Host\\|x09\\|rt=`,
        ),
      )
      const ext = extensionOf(line ?? '')
      assert.equal(ext.get('sev'), '8')
      assert.equal(ext.get('cn1'), String(elementId))
      assert.equal(ext.get('cn1Label'), 'Element Id')
      assert.equal(ext.get('cs6'), 'FormBook')
      assert.equal(ext.get('cs7'), 'Credential Theft')
      assert.equal(ext.get('srcPort'), '1')
      assert.equal(ext.get('dstPort'), '80')
      assert.equal(ext.has('cs4'), false, 'cs4 is for STIX matches')
      assert.equal(listener.messages.length, 1, transport)
    }
  })

  it('sends one notification per connection, and the other kinds every N blocks in a fixed order', async () => {
    const { tcp } = await listeners()
    const sim = await simSendingTo(tcp, { protocol: 'tcp' }, { syslog: { otherEvery: 3 } })
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    const answer = await flows(sim, [
      { src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound', connections: 7 },
    ])
    assert.equal(answer.notifications, 9, '7 blocks and 2 others')
    const lines = await tcp.waitFor(9)
    const names = lines.map((l) => /\|(Blocked Host|Login|Configuration Change)\|\d\|/.exec(l)?.[1])
    assert.deepEqual(names, [
      'Blocked Host',
      'Blocked Host',
      'Blocked Host',
      'Login',
      'Blocked Host',
      'Blocked Host',
      'Blocked Host',
      'Configuration Change',
      'Blocked Host',
    ])
    assert.match(lines[3] ?? '', /^<133>.* msg=Username: admin, Subsystem: ui, Message: /)
    const made = await admin(sim, 'POST', '/_sim/notifications', {
      kind: 'traffic-alert',
      count: 2,
    })
    assert.equal(made.made, 2)
    await admin(sim, 'POST', '/_sim/notifications/drain')
    const more = await tcp.waitFor(11)
    assert.match(more[9] ?? '', /msg=Traffic to protection group '[^']+' reached \d+\.\d\d Mbps/)
    const counts = await admin(sim, 'GET', '/_sim/notifications')
    assert.deepEqual(counts.byKind, {
      'blocked-host': 7,
      login: 1,
      'config-change': 1,
      'traffic-alert': 2,
    })
    assert.equal(tcp.messages.length, 11)
  })

  it('notifies a config change for each REST write to a list or a TAXII collection, besides the random kinds', async () => {
    const { tcp } = await listeners()
    const sim = await simSendingTo(
      tcp,
      { protocol: 'tcp' },
      { syslog: { otherEvery: 2, configChanges: true } },
    )
    const changes =
      /\|Configuration Change\|5\|.*Message: Configuration change \d+ committed \(([^)]+)\)/
    // Each a write: an entry added, one removed, a collection made and deleted.
    assert.equal(
      (
        await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
          body: { hostAddress: '198.51.100.7' },
        })
      ).status,
      201,
    )
    await call(sim, 'POST', `${V3}/protection-groups/denied-domains/`, {
      body: { domain: 'bad.example', cid: -1 },
    })
    await call(sim, 'DELETE', `${V3}/protection-groups/denied-domains/?domain=bad.example`)
    const created = await call(sim, 'POST', `${V3}/taxii/configuration/collections/`, {
      body: { title: 'Loop' },
    })
    assert.equal(created.status, 201, created.text)
    const id = (created.body as { id: string }).id
    await call(sim, 'DELETE', `${V3}/taxii/configuration/collections/${id}/`)
    // Not changes: a read, a refused write, another resource, the syslog destination itself.
    await call(sim, 'GET', `${V3}/otf/denied-hosts/`)
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: 'not an address' } })
    await createPg(sim, { name: 'web', prefixes: '192.0.2.0/24' })
    await call(sim, 'PATCH', `${V3}/remote-syslog/`, { body: { format: 'cef' } })
    await admin(sim, 'POST', '/_sim/notifications/drain')
    const writes = await tcp.waitFor(5)
    assert.deepEqual(
      writes.map((l) => changes.exec(l)?.[1]),
      [
        'otf/denied-hosts',
        'protection-groups/denied-domains',
        'protection-groups/denied-domains',
        'taxii/configuration/collections',
        'taxii/configuration/collections',
      ],
    )
    // The kinds that come now and then still do, in their turn.
    await flows(sim, [
      { src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound', connections: 4 },
    ])
    const lines = await tcp.waitFor(11)
    assert.equal(lines.filter((l) => /\|Login\|/.test(l)).length, 1)
    // Five REST changes and the one due after the fourth block (login came after the second).
    const { byKind } = (await admin(sim, 'GET', '/_sim/notifications')) as {
      byKind: Record<string, number>
    }
    assert.deepEqual(Object.entries(byKind).sort(), [
      ['blocked-host', 4],
      ['config-change', 6],
      ['login', 1],
      ['traffic-alert', 0],
    ])
  })

  it('--syslog-config-changes off: REST writes notify nothing', async () => {
    const { tcp } = await listeners()
    const sim = await simSendingTo(tcp, { protocol: 'tcp' }, { syslog: { configChanges: false } })
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    const counts = await admin(sim, 'POST', '/_sim/notifications/drain')
    assert.equal((counts.byKind as Record<string, number>)['config-change'], 0)
  })

  it('escapes CEF values (backslash, equals, newline) and keeps pipes in the extension', async () => {
    const { udp } = await listeners()
    const sim = await simSendingTo(udp, { protocol: 'udp' })
    await createPg(sim, { name: 'a=b\\c|d', prefixes: '192.0.2.0/24' })
    await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '203.0.113.5' },
    })
    await flows(sim, [{ src: '203.0.113.5', dst: '192.0.2.10' }])
    const [line] = await udp.waitFor(1)
    assert.match(line ?? '', / cs2=a\\=b\\\\c\|d cs2Label=/)
    assert.equal(extensionOf(line ?? '').get('cs2'), 'a=b\\c|d')
  })

  it('frames TCP by octet counting and gives rt in seconds when asked', async () => {
    const tcp = await tcpListener('octet-counting')
    open.push(tcp)
    const sim = await simSendingTo(
      tcp,
      { protocol: 'tcp' },
      { syslog: { framing: 'octet-counting', rt: 's' } },
    )
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    await flows(sim, [
      { src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound', connections: 2 },
    ])
    const lines = await tcp.waitFor(2)
    assert.equal(extensionOf(lines[0] ?? '').get('rt'), String(NOW_MS / 1000))
    assert.equal(lines.length, 2)
  })

  it('sends nothing without a destination, and a non-CEF line in the legacy format', async () => {
    const sim = newSim({ syslog: { otherEvery: 0, configChanges: false } })
    open.push(sim)
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    const flow = { src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound' }
    await flows(sim, [flow])
    const counts = await admin(sim, 'GET', '/_sim/notifications')
    assert.equal(counts.undelivered, 1)
    assert.equal(counts.sent, 0)

    const { udp } = await listeners()
    await call(sim, 'PATCH', `${V3}/remote-syslog/`, {
      body: { host: '127.0.0.1', port: udp.port, format: 'legacy' },
    })
    await flows(sim, [flow])
    const [line] = await udp.waitFor(1)
    assert.match(line ?? '', new RegExp(`${PREFIX.source}aed: Blocked Host \\(severity 5\\): `))
    assert.doesNotMatch(line ?? '', /CEF:|LEEF:/)
  })

  it('delivers a burst of 10,000 notifications over TCP, none lost or doubled', async () => {
    const { tcp } = await listeners()
    const sim = await simSendingTo(tcp, { protocol: 'tcp' }, { syslog: { batch: 1000 } })
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    const answer = await flows(sim, [
      { src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound', connections: 10_000 },
    ])
    assert.equal(answer.notifications, 10_000)
    const lines = await tcp.waitFor(10_000)
    assert.equal(lines.length, 10_000)
    assert.equal((await admin(sim, 'GET', '/_sim/notifications')).sent, 10_000)
  })

  it('paces a burst with --syslog-rate and hands over every notification', async () => {
    const { tcp } = await listeners()
    const sim = await simSendingTo(
      tcp,
      { protocol: 'tcp' },
      { syslog: { rate: 10_000, batch: 50 } },
    )
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    await flows(sim, [
      { src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound', connections: 1000 },
    ])
    const lines = await tcp.waitFor(1000)
    assert.equal(lines.length, 1000)
    assert.equal((await admin(sim, 'GET', '/_sim/notifications')).sent, 1000)
  })

  it('sends over TLS when "secure" is set (TCP only)', async () => {
    const tls = await tcpListener('newline', true)
    open.push(tls)
    const sim = await simSendingTo(tls, { protocol: 'tcp', secure: true })
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    await flows(sim, [{ src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound' }])
    const [line] = await tls.waitFor(1)
    assert.match(line ?? '', /CEF:0\|NETSCOUT\|/)
  })

  it('counts a destination that refuses the connection as failed and keeps serving', async () => {
    const tcp = await tcpListener()
    const port = tcp.port
    await tcp.close()
    const sim = newSim({ syslog: { otherEvery: 0, configChanges: false } })
    open.push(sim)
    await call(sim, 'PATCH', `${V3}/remote-syslog/`, {
      body: { host: '127.0.0.1', port, protocol: 'tcp' },
    })
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '198.51.100.7' } })
    await flows(sim, [{ src: '192.0.2.1', dst: '198.51.100.7', direction: 'outbound' }])
    const counts = await admin(sim, 'GET', '/_sim/notifications')
    assert.equal(counts.failed, 1)
    assert.match(String(counts.lastError), /ECONNREFUSED/)
    assert.equal((await call(sim, 'GET', `${V3}/summary/`)).status, 200)
  })
})
