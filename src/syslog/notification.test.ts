import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mulberry32 } from '../../sim/common/prng.js'
import { parseCef, parseExtension } from './cef.js'
import { parseLeef } from './leef.js'
import {
  parseLine,
  parseSyslogLine,
  severityLevel,
  type BlockedHost,
  type ParsedLine,
} from './notification.js'

const NOW = Date.UTC(2026, 11, 7, 22, 0, 0)
const ctx = { now: NOW }
const RT_MS = Date.UTC(2026, 11, 7, 21, 59, 30)

/** The fields of NETSCOUT's add-on, in the order its extractions expect (cs7 cs6 cs1 … cs5 cs4 … cs2 last). */
const EXTENSION =
  `rt=${String(RT_MS)} src=198.51.100.7 spt=51514 dst=203.0.113.10 dpt=443 proto=TCP ` +
  'cn1Label=Element Id cn1=1234 cn2Label=Protection Group ID cn2=7 ' +
  'cs7Label=Threat Category cs7=Command and Control cs6Label=Threat Name cs6=Emotet C2 server ' +
  'cs1Label=IOC Pattern cs1=bad.example.com cs3Label=Match Type cs3=dns ' +
  'cs5Label=TAXII Collection Title cs5=ThreatQ export cs4Label=TAXII Collection ID cs4=2b8b3d4e-0c1f-4a5e-9d6f-7a8b9c0d1e2f ' +
  'cs2Label=Protection Group Name cs2=Default Protection Group'
const CEF = `CEF:0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|Blocked Host|5|${EXTENSION}`

function blocked(result: ParsedLine): BlockedHost {
  assert.equal(result.kind, 'blocked-host', JSON.stringify(result))
  return result.notification
}

function bad(result: ParsedLine): string {
  assert.equal(result.kind, 'bad', JSON.stringify(result))
  return result.reason
}

function other(result: ParsedLine): string {
  assert.equal(result.kind, 'other', JSON.stringify(result))
  return result.other
}

describe('syslog notification parser', () => {
  it('maps every field of a CEF Blocked Host notification', () => {
    const n = blocked(parseLine(`Dec  7 21:59:30 aed01 ${CEF}`, ctx))
    assert.deepEqual(
      {
        ...n,
        syslog: undefined,
      },
      {
        format: 'cef',
        formatVersion: '0',
        vendor: 'NETSCOUT',
        product: 'Arbor Edge Defense',
        productVersion: '6.3.0.0',
        eventClass: 'Blocked Host',
        name: 'Blocked Host',
        syslog: undefined,
        time: RT_MS,
        severityScore: 5,
        severity: 'medium',
        src: '198.51.100.7',
        dst: '203.0.113.10',
        srcPort: 51514,
        dstPort: 443,
        proto: 'TCP',
        elementId: 1234,
        pgid: 7,
        pgName: 'Default Protection Group',
        iocPattern: 'bad.example.com',
        iocType: 'FQDN',
        matchType: 'dns',
        taxiiCollectionId: '2b8b3d4e-0c1f-4a5e-9d6f-7a8b9c0d1e2f',
        taxiiCollectionTitle: 'ThreatQ export',
        threatName: 'Emotet C2 server',
        threatCategory: 'Command and Control',
        flags: [],
      },
    )
    assert.deepEqual(n.syslog, {
      form: 'rfc3164',
      pri: undefined,
      timestamp: 'Dec  7 21:59:30',
      host: 'aed01',
    })
  })

  it('reads the syslog prefixes rsyslog and syslog-ng write', () => {
    const forms: [string, string, string | undefined][] = [
      // rsyslog's traditional file template: no PRI; AED sends no tag, so `CEF:` became one.
      [`Dec  7 21:59:30 aed01 CEF: ${CEF.slice(4)}`, 'rfc3164', 'aed01'],
      [`<134>Dec 17 21:59:30 aed01 ${CEF}`, 'rfc3164', 'aed01'],
      [`Dec  7 21:59:30 aed01 aed: ${CEF}`, 'rfc3164', 'aed01'],
      [`2026-12-07T21:59:30.123456+00:00 aed01 ${CEF}`, 'rfc3339', 'aed01'],
      [`<134>1 2026-12-07T21:59:30.123Z aed01 - - - - ${CEF}`, 'rfc5424', 'aed01'],
      // rsyslog's RFC 5424 output of the same: the tag `CEF:` became APP-NAME `CEF`.
      [`<134>1 2026-12-07T21:59:30.123Z aed01 CEF - - - ${CEF.slice(4)}`, 'rfc5424', 'aed01'],
      [
        `<134>1 2026-12-07T21:59:30Z aed01 aed 42 ID7 [origin ip="10.0.0.1" x="a \\"]\\" b"][meta y="1"] \uFEFF${CEF}`,
        'rfc5424',
        'aed01',
      ],
      [CEF, 'none', undefined],
    ]
    for (const [line, form, host] of forms) {
      const n = blocked(parseLine(line, ctx))
      assert.equal(n.syslog.form, form, line)
      assert.equal(n.syslog.host, host, line)
      assert.equal(n.iocPattern, 'bad.example.com', line)
      assert.equal(n.pgName, 'Default Protection Group', line)
    }
    assert.equal(blocked(parseLine(`<134>Dec 17 21:59:30 aed01 ${CEF}`, ctx)).syslog.pri, 134)
  })

  it('lines exactly as rsyslog 8.2302 wrote them (traditional, RFC 3339 and RFC 5424 templates; tab as #011)', () => {
    // Sent over UDP as `<134>Dec  7 22:00:00 aed01 CEF:0|…` and `… LEEF:1.0|…` with tabs.
    const written = [
      'Dec  7 22:00:00 aed01 CEF: 0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|Blocked Host|5|rt=1765144800000 src=198.51.100.7 cs2=Default Protection Group',
      'Dec  7 22:00:00 aed01 LEEF: 1.0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|rt=1765144800000#011sev=5#011src=198.51.100.7',
      '2026-12-07T22:00:00+00:00 aed01 CEF: 0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|Blocked Host|5|rt=1765144800000 src=198.51.100.7 cs2=Default Protection Group',
      '2026-12-07T22:00:00+00:00 aed01 LEEF: 1.0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|rt=1765144800000#011sev=5#011src=198.51.100.7',
      '<134>1 2026-12-07T22:00:00+00:00 aed01 CEF - - - 0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|Blocked Host|5|rt=1765144800000 src=198.51.100.7 cs2=Default Protection Group',
      '<134>1 2026-12-07T22:00:00+00:00 aed01 LEEF - - - 1.0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|rt=1765144800000#011sev=5#011src=198.51.100.7',
    ]
    for (const line of written) {
      const n = blocked(parseLine(line, ctx))
      assert.equal(n.src, '198.51.100.7', line)
      assert.equal(n.time, 1765144800000, line)
      assert.equal(n.severity, 'medium', line)
      assert.equal(n.syslog.host, 'aed01', line)
    }
    // A LEEF 2.0 control-character delimiter, escaped the same way.
    const leef2 = blocked(
      parseLine(
        'aed01 LEEF:2.0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|x01|src=198.51.100.7#001sev=9',
        ctx,
      ),
    )
    assert.equal(leef2.severity, 'high')
  })

  it('CEF escapes: \\| and \\\\ in the header; \\=, \\\\, \\n in values; values with spaces and =', () => {
    const parsed = parseCef(
      '0|NET\\|SCOUT|Arbor Edge Defense|6.3|Blocked Host|Blocked \\\\ Host|5|' +
        'cs2=PG a\\=b c cs5=C:\\\\dir\\\\ cs4=x cs6=line1\\nline2 cs1=example.com/a?b=c&d=e  msg=a|b',
    )
    assert.ok(parsed.ok)
    assert.equal(parsed.record.vendor, 'NET|SCOUT')
    assert.equal(parsed.record.name, 'Blocked \\ Host')
    assert.deepEqual(Object.fromEntries(parsed.record.fields), {
      cs2: 'PG a=b c',
      cs5: 'C:\\dir\\',
      cs4: 'x',
      cs6: 'line1\nline2',
      cs1: 'example.com/a?b=c&d=e',
      msg: 'a|b',
    })
  })

  it('an extension key needs a space before it; the first of two equal keys wins', () => {
    assert.deepEqual(Object.fromEntries(parseExtension('a=1 b=x=y c=two words a=3')), {
      a: '1',
      b: 'x=y',
      c: 'two words',
    })
    assert.deepEqual(Object.fromEntries(parseExtension('')), {})
    assert.deepEqual(Object.fromEntries(parseExtension('=x noeq')), {})
  })

  it('LEEF 1.0 (tab) and 2.0 (its own delimiter: a character, x09, 0x5E) with sev=', () => {
    const attrs = [
      `rt=${String(RT_MS)}`,
      'sev=8',
      'src=2001:db8::7',
      'srcPort=5000',
      'dst=203.0.113.10',
      'dstPort=80',
      'proto=UDP',
      'cs1=198.51.100.0/24',
      'cs3=ip',
      'cs2=PG with spaces',
    ]
    const lines = [
      `Dec  7 21:59:30 aed01 LEEF:1.0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|${attrs.join('\t')}`,
      `Dec  7 21:59:30 aed01 LEEF:2.0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|^|${attrs.join('^')}`,
      `Dec  7 21:59:30 aed01 LEEF:2.0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|x09|${attrs.join('\t')}`,
      `Dec  7 21:59:30 aed01 LEEF:2.0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|0x5E|${attrs.join('^')}`,
      `Dec  7 21:59:30 aed01 LEEF:2.0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|${attrs.join('\t')}`,
      // Spaces instead of tabs: read the CEF way.
      `Dec  7 21:59:30 aed01 LEEF:1.0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|${attrs.join(' ')}`,
    ]
    for (const line of lines) {
      const n = blocked(parseLine(line, ctx))
      assert.equal(n.format, 'leef', line)
      assert.equal(n.severityScore, 8, line)
      assert.equal(n.severity, 'high', line)
      assert.equal(n.src, '2001:db8::7', line)
      assert.equal(n.srcPort, 5000, line)
      assert.equal(n.dstPort, 80, line)
      assert.equal(n.iocPattern, '198.51.100.0/24', line)
      assert.equal(n.iocType, 'CIDR Block', line)
      assert.equal(n.pgName, 'PG with spaces', line)
      assert.equal(n.time, RT_MS, line)
      assert.deepEqual(n.flags, [], line)
    }
    assert.deepEqual(parseLeef('1.0|NETSCOUT|Arbor Edge Defense|6.3'), {
      ok: false,
      reason: 'LEEF header ends after 3 of its 5 fields',
    })
  })

  it('severity 1–3 low, 4–6 medium, 7–9 high; from the CEF header', () => {
    assert.deepEqual(
      [1, 3, 4, 6, 7, 9].map((s) => severityLevel(s)),
      ['low', 'low', 'medium', 'medium', 'high', 'high'],
    )
    const at = (sev: string): BlockedHost =>
      blocked(parseLine(CEF.replace('|Blocked Host|5|', `|Blocked Host|${sev}|`), ctx))
    assert.equal(at('2').severity, 'low')
    assert.equal(at('9').severity, 'high')
    assert.equal(at('High').severity, 'high')
    assert.deepEqual(at('11').flags, [
      { field: 'severity', problem: 'severity "11" is neither 0–10 nor Low/Medium/High' },
    ])
  })

  it('rt in seconds or milliseconds; a little in the future kept and flagged; over a day ahead or in 1970 flagged and not used; missing or garbage is flagged', () => {
    const withRt = (rt: string): BlockedHost =>
      blocked(parseLine(CEF.replace(`rt=${String(RT_MS)}`, rt), ctx))
    assert.equal(withRt(`rt=${String(RT_MS / 1000)}`).time, RT_MS)
    assert.equal(withRt('rt=Dec 07 2026 21:59:30').time, RT_MS)
    assert.equal(withRt('rt=2026-12-07T21:59:30Z').time, RT_MS)
    const future = withRt(`rt=${String(NOW + 86_400_000)}`)
    assert.equal(future.time, NOW + 86_400_000)
    assert.match(future.flags[0]?.problem ?? '', /in the future/)
    const ahead = withRt(`rt=${String(NOW + 86_400_001)}`)
    assert.equal(ahead.time, undefined)
    assert.match(ahead.flags[0]?.problem ?? '', /more than a day in the future: not used/)
    const unset = withRt('rt=0')
    assert.equal(unset.time, undefined)
    assert.match(unset.flags[0]?.problem ?? '', /1970-01-01.*before 2000.*not used/)
    assert.match(withRt('rt=86400').flags[0]?.problem ?? '', /before 2000/)
    assert.deepEqual(withRt('rt=yesterday').flags, [
      { field: 'rt', problem: '"yesterday" is not a time' },
    ])
    assert.deepEqual(withRt('rt=9999999999999999').flags[0]?.field, 'rt')
    assert.deepEqual(withRt('').flags, [{ field: 'rt', problem: 'missing' }])
  })

  it('an IOC pattern that is not a valid indicator value is kept and flagged; so are a bad match type and port', () => {
    const withIoc = (cs1: string, cs3: string): BlockedHost =>
      blocked(
        parseLine(
          CEF.replace('cs1=bad.example.com', `cs1=${cs1}`).replace('cs3=dns', `cs3=${cs3}`),
          ctx,
        ),
      )
    const badIp = withIoc('999.1.1.1', 'ip')
    assert.equal(badIp.iocPattern, '999.1.1.1')
    assert.equal(badIp.iocType, undefined)
    assert.equal(badIp.flags[0]?.field, 'cs1')
    assert.equal(withIoc('not a domain!', 'dns').flags[0]?.field, 'cs1')
    assert.equal(withIoc('example.com/path', 'url').iocType, 'URL')
    assert.deepEqual(withIoc('example.com', 'regex').flags[0], {
      field: 'cs3',
      problem: 'match type "regex" is not ip, dns or url',
    })
    const n = blocked(
      parseLine(CEF.replace('dpt=443', 'dpt=70000').replace('src=198.51.100.7', 'src=nope'), ctx),
    )
    assert.equal(n.dstPort, undefined)
    assert.equal(n.src, undefined)
    assert.deepEqual(
      n.flags.map((f) => f.field),
      ['src', 'dpt'],
    )
  })

  it('other notification kinds are classified, not imported', () => {
    const aed = (eventClass: string, msg: string): string =>
      `Dec  7 21:59:30 aed01 CEF:0|NETSCOUT|Arbor Edge Defense|6.3|${eventClass}|${eventClass}|5|msg=${msg}`
    assert.equal(
      other(
        parseLine(
          aed(
            'User Activity',
            'Username: admin, Subsystem: UI, Message: User admin logged in sev=5',
          ),
          ctx,
        ),
      ),
      'login',
    )
    assert.equal(
      other(
        parseLine(
          aed(
            'Change Log',
            "Username: admin, Subsystem: Protection Groups, Message: Protection group 'Web' was modified. sev=5",
          ),
          ctx,
        ),
      ),
      'config-change',
    )
    assert.equal(
      other(
        parseLine(
          aed(
            'Traffic Alert',
            "Traffic for protection group 'Web Servers' reached 12.50 Mbps. Severity high",
          ),
          ctx,
        ),
      ),
      'traffic-alert',
    )
    assert.equal(
      other(
        parseLine(
          aed('System Alert', 'Traffic reached 95% of the license limit: 950.00 Mbps. sev=5'),
          ctx,
        ),
      ),
      'license',
    )
    assert.equal(other(parseLine(aed('Hardware', 'Fan 2 failed'), ctx)), 'aed-other')
    // Another vendor's CEF, and Arbor's other product.
    assert.equal(
      other(
        parseLine(
          'Dec  7 21:59:30 fw1 CEF:0|Palo Alto Networks|PAN-OS|10.1|end|TRAFFIC|3|src=1.2.3.4 dst=5.6.7.8',
          ctx,
        ),
      ),
      'foreign',
    )
    assert.equal(
      other(
        parseLine(
          'CEF:0|Arbor Networks|Peakflow SP|9.0|Blocked Host|Blocked Host|5|src=1.2.3.4',
          ctx,
        ),
      ),
      'foreign',
    )
    assert.equal(
      other(parseLine('Dec  7 21:59:30 loghost rsyslogd: [origin software="rsyslogd"] start', ctx)),
      'not-a-notification',
    )
  })

  it('older APS releases: vendor Arbor Networks, product Arbor Networks APS', () => {
    const n = blocked(
      parseLine(
        CEF.replace('NETSCOUT|Arbor Edge Defense', 'Arbor Networks|Arbor Networks APS'),
        ctx,
      ),
    )
    assert.equal(n.vendor, 'Arbor Networks')
  })

  it('bad lines: truncated, wrong field count, garbage, NUL, invalid UTF-8, too long, no address', () => {
    assert.match(
      bad(parseLine(`Dec  7 21:59:30 aed01 ${CEF.slice(0, 40)}`, ctx)),
      /CEF header ends after 3 of its 7 fields/,
    )
    assert.match(
      bad(parseLine('CEF:0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|5|rt=1', ctx)),
      /CEF header ends after 6 of its 7 fields/,
    )
    assert.match(
      bad(parseLine('CEF:1a|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|Blocked Host|5|', ctx)),
      /version/,
    )
    assert.match(bad(parseLine(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01, 0x7f]), ctx)), /UTF-8/)
    assert.match(bad(parseLine('@@@ %%% !!!', ctx)), /neither a syslog line nor/)
    assert.match(bad(parseLine(Buffer.from(`Dec  7 21:59:30 aed01 ${CEF}\0\0\0`), ctx)), /NUL/)
    assert.match(
      bad(parseLine(Buffer.concat([Buffer.from(CEF), Buffer.from([0xc3, 0x28])]), ctx)),
      /UTF-8/,
    )
    assert.match(
      bad(
        parseSyslogLine(
          { kind: 'too-long', file: 'f', offset: 0, line: 1, partial: false, length: 1 << 20 },
          ctx,
        ),
      ),
      /too long \(1048576 bytes\)/,
    )
    assert.match(
      bad(
        parseLine(
          'CEF:0|NETSCOUT|Arbor Edge Defense|6.3|Blocked Host|Blocked Host|5|rt=1 proto=TCP',
          ctx,
        ),
      ),
      /without src, dst or cs1/,
    )
  })

  it('a complete line as bytes parses as its text does; a trailing CR is dropped', () => {
    const fromBytes = parseLine(Buffer.from(`Dec  7 21:59:30 aed01 ${CEF}\r`), ctx)
    assert.deepEqual(fromBytes, parseLine(`Dec  7 21:59:30 aed01 ${CEF}`, ctx))
  })

  it('random bytes and mutated notifications never throw, and always give one of the three kinds', () => {
    // Seeded: a failure names the iteration, reproducible with the same seed.
    const random = mulberry32(0x5eed)
    const valid = Buffer.from(`Dec  7 21:59:30 aed01 ${CEF}`)
    const alphabet = Buffer.from('|=\\ \t:<>CEFLEF0123456789.-^x\n\r\0')
    for (let i = 0; i < 5000; i++) {
      let bytes: Buffer
      if (i % 2 === 0) {
        bytes = Buffer.alloc(Math.floor(random() * 300))
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256)
      } else {
        bytes = Buffer.from(valid)
        const edits = 1 + Math.floor(random() * 8)
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(random() * bytes.length)
          bytes[at] =
            random() < 0.5
              ? (alphabet[Math.floor(random() * alphabet.length)] ?? 0)
              : Math.floor(random() * 256)
        }
        bytes = bytes.subarray(0, Math.floor(random() * bytes.length) + 1)
      }
      const result = parseLine(bytes, ctx)
      assert.ok(['blocked-host', 'other', 'bad'].includes(result.kind), `iteration ${String(i)}`)
      if (result.kind === 'bad')
        assert.doesNotMatch(result.reason, /^unreadable/, `iteration ${String(i)}`)
    }
  })
})
