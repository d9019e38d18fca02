/**
 * Bad hosts and URLs: ThreatQ Host (from THREATQ_HOST, which overrides the file, or the file) and
 * the AED `hostname` option from the ThreatQ UI. Exit 2 naming the setting; nothing is contacted
 * at a bad address.
 */
import type { CorpusCase } from '../run-case.js'
import { configFile, threatqOf } from './config.js'

const BAD_HOSTS: [string, RegExp][] = [
  ['ftp://tq.example', /must use https \(or http for a simulator\), not ftp:/],
  ['file:///etc/passwd', /must use https \(or http for a simulator\), not file:/],
  ['https://user:pw@tq.example', /must not carry credentials, a query or a fragment/],
  ['https://tq.example/?q=1', /must not carry credentials, a query or a fragment/],
  ['https://tq.example/#top', /must not carry credentials, a query or a fragment/],
  ['tq_example!', /"tq_example!" has an invalid host name/],
  ['tq example', /"tq example" is not a host name, host:port or URL/],
  ['https://', /"https:\/\/" is not a host name, host:port or URL/],
  ['http://[::1', /is not a host name, host:port or URL/],
  ['-tq.example', /has an invalid host name/],
  ['tq..example', /has an invalid host name/],
  [`${'a'.repeat(300)}.example`, /has an invalid host name/],
  ['tq.example:99999', /is not a host name, host:port or URL/],
  ['tq.example:-1', /is not a host name, host:port or URL/],
  ["tq.example'", /is not a host name, host:port or URL|has an invalid host name/],
  ['javascript:alert(1)', /is not a host name, host:port or URL/],
  ['tq.example\\evil', /is not a host name, host:port or URL|has an invalid host name/],
  ['%00', /is not a host name, host:port or URL|has an invalid host name/],
]

export const HOSTS: CorpusCase[] = [
  ...BAD_HOSTS.map(([host, message]): CorpusCase => ({
    name: `THREATQ_HOST ${JSON.stringify(host).slice(0, 50)}`,
    files: configFile(),
    env: { THREATQ_HOST: host },
    expect: { code: 2, stderr: new RegExp(`ThreatQ Host .*(?:${message.source})`) },
  })),
  ...BAD_HOSTS.slice(0, 8).map(([host, message]): CorpusCase => ({
    name: `ThreatQ Host ${JSON.stringify(host)} in the config file`,
    files: configFile((c) => (threatqOf(c).host = host)),
    expect: { code: 2, stderr: new RegExp(`ThreatQ Host .*(?:${message.source})`) },
  })),
  ...['https://analyst:s3cret-pw@tq.example:99999', 'analyst:s3cret-pw@tq_example!'].map(
    (host): CorpusCase => ({
      name: `THREATQ_HOST with a password: ${host.replace('s3cret-pw', '…')}`,
      files: configFile(),
      env: { THREATQ_HOST: host },
      expect: {
        code: 2,
        stderr: /^tq-conn-netscout-aed: ThreatQ Host (must not carry credentials|"[^"]*…@)/,
        absent: ['s3cret-pw'],
      },
    }),
  ),
  {
    name: 'ThreatQ Host empty in the file and THREATQ_HOST blank',
    files: configFile((c) => (threatqOf(c).host = '')),
    env: { THREATQ_HOST: '   ' },
    expect: {
      code: 2,
      stderr: /ThreatQ Host is empty in the config file and THREATQ_HOST is not set/,
    },
    spawn: true,
  },
  ...BAD_HOSTS.map(([host, message], i): CorpusCase => ({
    name: `AED Hostname ${JSON.stringify(host).slice(0, 50)} from the ThreatQ UI`,
    instance: `host-${String(i)}`,
    files: configFile(),
    ui: { hostname: host },
    expect: { code: 2, stderr: new RegExp(`AED Hostname .*(?:${message.source})`) },
  })),
]
