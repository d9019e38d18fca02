import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SIM_TLS_CERT } from '../../sim/common/tls.js'
import { tempDir } from '../../sim/world/processes.js'
import { startWorld, type World } from '../../sim/world/world.js'

describe('TLS: ThreatQ always verified, AED verified unless -d', () => {
  let world: World
  let caFile: string
  before(async () => {
    world = await startWorld({ seed: 40, tls: true })
    caFile = join(await tempDir('tq-aed-ca-'), 'sim-ca.pem')
    await writeFile(caFile, SIM_TLS_CERT)
  })
  after(async () => {
    await world.stop()
  })

  it('refuses an unknown ThreatQ certificate naming THREATQ_CA_FILE (exit 2), logged', async () => {
    const logs = await tempDir('tq-aed-tls-log-')
    const result = await world.run(['--non-interactive', '-ll', logs], world.env)
    assert.equal(result.code, 2)
    assert.match(
      result.stderr,
      /ThreatQ's certificate at https:\/\/127\.0\.0\.1:\d+ is not trusted/,
    )
    assert.match(result.stderr, /THREATQ_CA_FILE/)
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace on the terminal')
    assert.match(await readFile(join(logs, 'netscout-aed.log'), 'utf8'), /"msg":"run failed"/)
  })

  it('trusts ThreatQ through THREATQ_CA_FILE; reaches AED only with -d (or its CA)', async () => {
    const env = { ...world.env, THREATQ_CA_FILE: caFile }
    const first = await world.run(['--non-interactive'], env)
    assert.equal(first.code, 4, first.stderr)
    await world.threatq.admin('POST', '/_sim/connector', {
      name: 'Netscout AED Connector',
      active: true,
      options: {
        hostname: world.aed.url,
        api_token: 'aedToken4wtwfuxgaRyA0rGcpbTGLzKy4_j7',
        stix_client_username: 'stix-client',
        stix_client_password: 'taxii-S3cret!',
        data_collection: 'AED Export',
        aed_collection: 'ThreatQ',
        default_indicator_labels: 'malicious-activity',
        default_threat_actor_labels: 'criminal',
        default_malware_labels: 'trojan',
        default_tool_labels: 'exploitation',
        default_report_labels: 'threat-report',
      },
    })
    const verified = await world.run(['-e'], env)
    assert.equal(verified.code, 2)
    assert.match(
      verified.stderr,
      /AED's TAXII service's certificate at https:\/\/127\.0\.0\.1:\d+ is not trusted/,
    )
    assert.match(verified.stderr, /aed_ca_file.*or run with -d/)
    const insecure = await world.run(['-e', '-d'], env)
    assert.equal(insecure.code, 0, insecure.stderr)
  })
})
