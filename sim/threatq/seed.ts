/**
 * `--seed-indicators N`: a deterministic Threat Library for a given N (seeded PRNG, timestamps
 * derived from the index, never the wall clock). Mostly the types AED enforces (IP Address, IPv6
 * Address, CIDR Block, FQDN, URL), some hashes and e-mail addresses, and about 1% deliberately
 * invalid values (`010.1.2.3`, a URL with a quote, a /33 CIDR). About 10% of indicators relate to
 * adversaries, malware, tools, reports or attack patterns; sources carry every TLP (one only by
 * its source default); some objects carry `Label` attributes. A saved search named `collection`
 * selects every seeded indicator.
 */
import { createHash } from 'node:crypto'
import { createSearch } from './searches.js'
import type { SourceRec, Store, TqObject } from './store.js'

/** 2024-01-01T00:00:00Z: seeded timestamps count from here. */
export const SEED_EPOCH = Date.UTC(2024, 0, 1) / 1000
/** [SIM] Name of the seeded data collection when `--collection` is not given. */
export const DEFAULT_COLLECTION = 'AED Export'
export const SEED_FEED_PREFIX = 'Seed Feed'
/**
 * [SIM] Every 50th seeded indicator (2%, those with i % 50 == 7) expires, ten years after the
 * seed epoch plus 30 s per index: in the future for any clock a test or a person runs with, so
 * none is already past while its status says Active or Review. Derived from the index, not the
 * PRNG, so the rest of the seeded data is what it was before expiry existed.
 */
export const SEED_EXPIRY_EVERY = 50
export const SEED_EXPIRY_BASE = SEED_EPOCH + 10 * 365 * 86400
export const seededExpiry = (i: number): number | null =>
  i % SEED_EXPIRY_EVERY === 7 ? SEED_EXPIRY_BASE + i * 30 : null

/** Feed name → TLP carried by the ingested data (null: only the source's default applies). */
const FEEDS: readonly { name: string; tlpId: number | null; defaultTlpId: number | null }[] = [
  { name: `${SEED_FEED_PREFIX} RED`, tlpId: 1, defaultTlpId: null },
  { name: `${SEED_FEED_PREFIX} AMBER+STRICT`, tlpId: 5, defaultTlpId: null },
  { name: `${SEED_FEED_PREFIX} AMBER`, tlpId: 2, defaultTlpId: null },
  { name: `${SEED_FEED_PREFIX} GREEN`, tlpId: 3, defaultTlpId: null },
  { name: `${SEED_FEED_PREFIX} CLEAR`, tlpId: 4, defaultTlpId: null },
  { name: `${SEED_FEED_PREFIX} Defaults`, tlpId: null, defaultTlpId: 3 },
  { name: `${SEED_FEED_PREFIX} Untagged`, tlpId: null, defaultTlpId: null },
]

const LABELS = ['malicious-activity', 'anomalous-activity', 'attribution', 'compromised', 'benign']
const WORDS = [
  'alpha',
  'bravo',
  'cobalt',
  'delta',
  'ember',
  'falcon',
  'granite',
  'harbor',
  'iris',
  'jade',
]
const TLDS = ['com', 'net', 'org', 'io', 'info']

import { mulberry32 } from '../common/prng.js'

/** A bijection on 24 bits (odd multiplier), so distinct indexes give distinct addresses. */
const mix24 = (i: number): number => Math.imul(i & 0xffffff, 0x9e3779b1) & 0xffffff
const mix16 = (i: number): number => Math.imul(i & 0xffff, 0x9e37) & 0xffff
const octets = (x: number): string =>
  `${String((x >>> 16) & 255)}.${String((x >>> 8) & 255)}.${String(x & 255)}`
const hex = (algorithm: string, i: number): string =>
  createHash(algorithm)
    .update(`seed-${String(i)}`)
    .digest('hex')

function pick<T>(items: readonly T[], r: number): T {
  const item = items[Math.floor(r * items.length)]
  if (item === undefined) throw new Error('pick from an empty list')
  return item
}

/** The type name and value of seeded indicator `i`. */
export function seededIndicator(i: number, r: number, r2: number): { type: string; value: string } {
  const word = pick(WORDS, r2)
  const tld = pick(TLDS, (r2 * 7) % 1)
  const name = `${word}${i.toString(36)}`
  if (i % 97 === 13) {
    // Deliberately invalid values a connector must skip, never send.
    switch (i % 3) {
      case 0:
        return { type: 'IP Address', value: `010.${octets(mix24(i))}` }
      case 1:
        return { type: 'URL', value: `http://${name}.${tld}/it's` }
      default:
        return {
          type: 'CIDR Block',
          value: `${String(60 + (i >>> 16))}.${octets(mix16(i) << 8)}/33`,
        }
    }
  }
  if (r < 0.33)
    return { type: 'IP Address', value: `${String(20 + (i >>> 24))}.${octets(mix24(i))}` }
  if (r < 0.43) {
    return {
      type: 'IPv6 Address',
      value: `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::${Math.floor(r2 * 0xffff).toString(16)}`,
    }
  }
  if (r < 0.51) {
    return { type: 'CIDR Block', value: `${String(40 + (i >>> 16))}.${octets(mix16(i) << 8)}/24` }
  }
  if (r < 0.71) return { type: 'FQDN', value: `${name}.${tld}` }
  if (r < 0.86)
    return {
      type: 'URL',
      value: `${r2 < 0.5 ? 'http' : 'https'}://${name}.${tld}/p/${i.toString(16)}`,
    }
  if (r < 0.89) return { type: 'MD5', value: hex('md5', i) }
  if (r < 0.92) return { type: 'SHA-256', value: hex('sha256', i) }
  return { type: 'Email Address', value: `user${i.toString(36)}@${word}.${tld}` }
}

interface Pools {
  adversaries: TqObject[]
  malware: TqObject[]
  tool: TqObject[]
  report: TqObject[]
  attack_pattern: TqObject[]
}

export function seed(store: Store, n: number, collection = DEFAULT_COLLECTION): void {
  const rand = mulberry32(n)
  const feeds: { source: SourceRec; tlpId: number | null }[] = FEEDS.map((f) => {
    const source = store.sourceByNameOrCreate(f.name, 'connectors', null)
    source.defaultTlpId = f.defaultTlpId
    source.createdAt = SEED_EPOCH
    return { source, tlpId: f.tlpId }
  })
  const typeIds = new Map(store.indicatorTypes.map((t) => [t.name, t.id]))
  const active = store.statusByName('indicators', 'Active')?.id ?? null
  const review = store.statusByName('indicators', 'Review')?.id ?? null
  const feedFor = (obj: TqObject, at: number, twice: boolean): void => {
    const first = pick(feeds, rand())
    store.attachSource(obj, first.source, first.tlpId, at).createdAt = at
    if (twice) {
      const second = pick(feeds, rand())
      store.attachSource(obj, second.source, second.tlpId, at).createdAt = at
    }
  }
  const label = (obj: TqObject, at: number): void => {
    const { attribute } = store.addAttribute(
      obj,
      'Label',
      pick(LABELS, rand()),
      feeds[3]?.source.id ?? null,
      null,
    )
    attribute.createdAt = at
    attribute.updatedAt = at
  }

  const poolSize = (per: number, min: number): number => Math.max(min, Math.ceil(n / per))
  const makePool = (coll: keyof Pools, count: number, name: (k: number) => string): TqObject[] =>
    Array.from({ length: count }, (_, k) => {
      const at = SEED_EPOCH - 86400 * (k + 1)
      const obj = store.insert(coll, {
        identity: name(k),
        description: `Seeded ${coll} ${String(k + 1)}.`,
        createdAt: at,
        updatedAt: at,
      })
      feedFor(obj, at, false)
      if (k % 2 === 0) label(obj, at)
      return obj
    })
  const pools: Pools = {
    adversaries: makePool('adversaries', poolSize(2000, 3), (k) => `APT Seed ${String(k + 1)}`),
    malware: makePool('malware', poolSize(2000, 3), (k) => `SeedRAT-${String(k + 1)}`),
    tool: makePool('tool', poolSize(4000, 2), (k) => `SeedTool ${String(k + 1)}`),
    report: makePool('report', poolSize(2000, 2), (k) => `Seed Report ${String(k + 1)}`),
    attack_pattern: makePool(
      'attack_pattern',
      5,
      (k) => `T${String(1000 + k * 71)} Seeded Technique`,
    ),
  }
  // Threat actors use malware and tools; reports describe actors and malware.
  pools.adversaries.forEach((adv, k) => {
    for (const other of [
      pools.malware[k % pools.malware.length],
      pools.tool[k % pools.tool.length],
    ]) {
      if (other !== undefined) store.link(adv, other, undefined, adv.createdAt)
    }
  })
  pools.report.forEach((report, k) => {
    for (const other of [
      pools.adversaries[k % pools.adversaries.length],
      pools.malware[(k + 1) % pools.malware.length],
    ]) {
      if (other !== undefined) store.link(report, other, undefined, report.createdAt)
    }
  })
  const relatable: readonly (keyof Pools)[] = [
    'adversaries',
    'malware',
    'tool',
    'report',
    'attack_pattern',
  ]

  for (let i = 0; i < n; i++) {
    const { type, value } = seededIndicator(i, rand(), rand())
    const createdAt = SEED_EPOCH + i * 30
    const updatedAt = createdAt + Math.floor(rand() * 7 * 86400)
    const obj = store.insert('indicators', {
      identity: value,
      typeId: typeIds.get(type) ?? null,
      statusId: rand() < 0.8 ? active : review,
      createdAt,
      updatedAt,
      publishedAt: createdAt,
      generatedScore: Math.floor(rand() * 11),
    })
    const expires = seededExpiry(i)
    // A clock set past the seeded expiries (a test's, far ahead) gets none rather than stale ones.
    if (expires !== null && expires > store.now()) obj.expiresAt = expires
    feedFor(obj, createdAt, rand() < 0.1)
    if (rand() < 0.25) label(obj, createdAt)
    if (rand() < 0.1) {
      const links = 1 + Math.floor(rand() * 2)
      for (let l = 0; l < links; l++) {
        const pool = pools[pick(relatable, rand())]
        const other = pick(pool, rand())
        store.link(obj, other, undefined, createdAt)
      }
    }
  }
  const search = createSearch(
    store,
    collection,
    // Stored as a string: real servers sometimes return `json` that way (docs/threatq-api.md, "Data
    // collections").
    JSON.stringify({
      ui_query: {
        columns: {},
        criteria: {},
        filters: {},
        objects: { current: 'indicators', selected: [] },
        filter_sets: [{ id: 0, operator: '+or', expanded: true }],
      },
      api_query: {
        criteria: { '+or': [{ source_name: `${SEED_FEED_PREFIX}%` }] },
        filters: { '+or': [{ status_name: 'Active' }, { status_name: 'Review' }] },
      },
    }),
  )
  search.createdAt = SEED_EPOCH
  search.updatedAt = SEED_EPOCH
}
