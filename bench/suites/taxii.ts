/**
 * TAXII client throughput and memory: splitting alone, then adds over loopback to the in-repo
 * TAXII test server (which acknowledges without keeping, so RSS is the client's).
 */
import { serveApp } from '../../sim/common/serve.js'
import type { StixObject } from '../../src/stix/types.js'
import { splitIntoBatches } from '../../src/taxii/batches.js'
import { createTaxiiClient } from '../../src/taxii/client.js'
import { createTaxiiSim, TEST_COLLECTIONS, TEST_ROOT } from '../../sim/taxii/app.js'
import type { TaxiiVersion } from '../../src/taxii/types.js'
import { peakRssMb, report, timed, type BenchResult } from '../harness.js'

const MAX_CONTENT_LENGTH = 1024 * 1024

function* indicators(count: number): Generator<StixObject> {
  for (let i = 0; i < count; i++) {
    yield {
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      created: '2026-01-01T00:00:00.000Z',
      modified: '2026-01-01T00:00:00.000Z',
      pattern: `[ipv4-addr:value = '10.${String((i >> 16) & 255)}.${String((i >> 8) & 255)}.${String(i & 255)}']`,
      pattern_type: 'stix',
      valid_from: '2026-01-01T00:00:00.000Z',
      labels: ['malicious-activity'],
    }
  }
}

const results: BenchResult[] = []

const splitCount = 500_000
const split = await timed(async () => {
  let requests = 0
  const limits = { version: '2.1' as const, maxBytes: MAX_CONTENT_LENGTH, maxObjects: 1000 }
  for await (const item of splitIntoBatches(indicators(splitCount), limits)) {
    if (item.kind === 'batch') requests++
  }
  return requests
})
results.push({
  suite: 'taxii',
  case: 'split into requests (no I/O)',
  objects: splitCount,
  seconds: split.seconds,
  requests: split.value,
  peakRssMb: peakRssMb(),
  note: '1 MiB max_content_length, 1000 objects/request',
})

for (const version of ['2.0', '2.1'] as const satisfies TaxiiVersion[]) {
  const count = 200_000
  const { app } = createTaxiiSim({
    version,
    maxContentLength: MAX_CONTENT_LENGTH,
    keepObjects: false,
  })
  const server = await serveApp(app.fetch, { host: '127.0.0.1', port: 0, tls: false })
  const client = createTaxiiClient({ version, url: server.url, username: 'user', password: 'pass' })
  const collection = await client.collection(TEST_ROOT, TEST_COLLECTIONS[0]?.id ?? '')
  const added = await timed(() => client.addObjects(collection, indicators(count)))
  if (added.value.success !== count) throw new Error(`only ${String(added.value.success)} added`)
  results.push({
    suite: 'taxii',
    case: `add objects, TAXII ${version}, loopback test server`,
    objects: count,
    seconds: added.seconds,
    requests: Math.ceil(count / 1000),
    peakRssMb: peakRssMb(),
    note: 'server in the same process; 2 requests in flight',
  })
  await client.close()
  await server.close()
}

report(results)
