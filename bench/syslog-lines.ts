/**
 * Generated syslog lines as rsyslog writes AED's notifications to a file (traditional template:
 * `Mmm dd hh:mm:ss host CEF: 0|…`), for benchmarks and load tests. Deterministic: line i is the
 * same in every run. The mix: mostly Blocked Host in CEF (STIX, AIF and deny-list matches), some
 * in LEEF 1.0, a few other notification kinds, another vendor's CEF and a bad line.
 */
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** Kind of line i, by its position in a cycle of 100. */
export function lineKind(i: number): 'cef' | 'leef' | 'login' | 'traffic' | 'foreign' | 'bad' {
  const r = i % 100
  if (r < 80) return 'cef'
  if (r < 95) return 'leef'
  if (r < 97) return 'login'
  if (r < 98) return 'traffic'
  if (r < 99) return 'foreign'
  return 'bad'
}

const pad = (n: number): string => String(n).padStart(2, '0')

function stamp(ms: number): string {
  const d = new Date(ms)
  return `${MONTHS[d.getUTCMonth()] ?? 'Jan'} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

const ip = (i: number): string => `198.51.${String((i >> 8) & 255)}.${String(i & 255)}`

/** Line i (without its newline) of a file whose notifications start at `startMs`, one per ms. */
export function syslogLine(i: number, startMs = Date.UTC(2026, 11, 7)): string {
  const ms = startMs + i
  const head = `${stamp(ms)} aed01`
  const pg = `cn2=${String(i % 7)} cs2=Protection Group ${String(i % 7)}`
  switch (lineKind(i)) {
    case 'cef': {
      const match =
        i % 3 === 0
          ? `cs1=bad${String(i % 5000)}.example.com cs3=dns cs5=ThreatQ export cs4=2b8b3d4e-0c1f-4a5e-9d6f-7a8b9c0d1e2f`
          : i % 3 === 1
            ? `cn1=${String(1000 + (i % 97))} cs7=Command and Control cs6=Threat ${String(i % 31)} cs1=${ip(i % 4096)} cs3=ip`
            : `cs1=evil${String(i % 2000)}.example.net/path?q=${String(i)} cs3=url`
      return `${head} CEF: 0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|Blocked Host|${String(1 + (i % 9))}|rt=${String(ms)} src=${ip(i)} spt=${String(1024 + (i % 60000))} dst=203.0.113.${String(i % 250)} dpt=443 proto=TCP ${match} ${pg}`
    }
    case 'leef':
      return `${head} LEEF:1.0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked Host|${[
        `rt=${String(ms)}`,
        `sev=${String(1 + (i % 9))}`,
        `src=${ip(i)}`,
        `srcPort=${String(1024 + (i % 60000))}`,
        `dst=203.0.113.${String(i % 250)}`,
        'dstPort=80',
        'proto=UDP',
        `cs1=${ip(i % 4096)}`,
        'cs3=ip',
        `cs2=Protection Group ${String(i % 7)}`,
      ].join('\t')}`
    case 'login':
      return `${head} CEF: 0|NETSCOUT|Arbor Edge Defense|6.3.0.0|User Activity|User Activity|5|msg=Username: admin, Subsystem: UI, Message: User admin logged in sev=5`
    case 'traffic':
      return `${head} CEF: 0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Traffic Alert|Traffic Alert|5|msg=Traffic for protection group 'Web' reached 12.50 Mbps. Severity high`
    case 'foreign':
      return `${stamp(ms)} fw1 CEF:0|Palo Alto Networks|PAN-OS|10.1|end|TRAFFIC|3|src=${ip(i)} dst=10.0.0.1`
    case 'bad':
      return `${head} CEF: 0|NETSCOUT|Arbor Edge Defense|6.3.0.0|Blocked`
  }
}

/** Writes `count` generated lines to `path` (streamed: memory does not grow with count). */
export async function writeSyslogFile(path: string, count: number, from = 0): Promise<void> {
  const out = createWriteStream(path, { flags: 'a' })
  let chunk = ''
  for (let i = from; i < from + count; i++) {
    chunk += `${syslogLine(i)}\n`
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end(chunk)
  await once(out, 'finish')
}
