/**
 * TLP markings. STIX 2.0 and 2.1 predefine TLP 1.0 (WHITE, GREEN, AMBER, RED) with fixed ids and
 * objects; TLP 2.0 (CLEAR, GREEN, AMBER, AMBER+STRICT, RED) exists only in 2.1 through an
 * extension. Facts: docs/stix.md, "TLP markings".
 */
import { statementMarking } from './builders.js'
import { hashUuid } from './ids.js'
import type { StixObject, StixVersion } from './types.js'

/** ThreatQ's TLP names, from least to most restrictive. */
export const TLP_LEVELS = ['CLEAR', 'WHITE', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const
export type TlpLevel = (typeof TLP_LEVELS)[number]

const RANK: Record<TlpLevel, number> = {
  CLEAR: 0,
  WHITE: 0,
  GREEN: 1,
  AMBER: 2,
  'AMBER+STRICT': 3,
  RED: 4,
}

export function parseTlp(name: string): TlpLevel | undefined {
  const upper = name.trim().toUpperCase().replace(/^TLP:/, '')
  return (TLP_LEVELS as readonly string[]).includes(upper) ? (upper as TlpLevel) : undefined
}

/** The most restrictive of several TLPs (sources disagree: the strictest wins). */
export function mostRestrictive(levels: Iterable<TlpLevel>): TlpLevel | undefined {
  let best: TlpLevel | undefined
  for (const level of levels) if (best === undefined || RANK[level] > RANK[best]) best = level
  return best
}

type Tlp1Color = 'white' | 'green' | 'amber' | 'red'

export const TLP1_IDS: Record<Tlp1Color, string> = {
  white: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  green: 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da',
  amber: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  red: 'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed',
}

/** The predefined TLP 1.0 object, exactly as each version's schema fixes it. */
export function tlp1Marking(version: StixVersion, color: Tlp1Color): StixObject {
  const base = {
    type: 'marking-definition',
    id: TLP1_IDS[color],
    created: '2017-01-20T00:00:00.000Z',
    definition_type: 'tlp',
    definition: { tlp: color },
  }
  // 2.0 forbids any other property (even name); 2.1 requires spec_version and name.
  return version === '2.0'
    ? base
    : { ...base, spec_version: '2.1', name: `TLP:${color.toUpperCase()}` }
}

const TLP2_EXTENSION_ID = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d'

type Tlp2Value = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red'

export const TLP2_IDS: Record<Tlp2Value, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
}

/** The TLP 2.0 marking (STIX 2.1 only), as in the OASIS extension's examples. */
function tlp2Marking(value: Tlp2Value): StixObject {
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: TLP2_IDS[value],
    created: '2022-10-01T00:00:00.000Z',
    name: `TLP:${value.toUpperCase()}`,
    extensions: { [TLP2_EXTENSION_ID]: { extension_type: 'property-extension', tlp_2_0: value } },
  }
}

/** STIX 2.0 statement marking that keeps AMBER+STRICT's extra restriction visible. */
function amberStrictStatement20(): StixObject {
  return statementMarking('2.0', {
    id: `marking-definition--${hashUuid(['tq-conn-netscout-aed', 'statement', 'TLP:AMBER+STRICT'])}`,
    created: new Date('2022-10-01T00:00:00.000Z'),
    statement: 'TLP:AMBER+STRICT',
  })
}

export interface TlpMarking {
  /** Ids for `object_marking_refs`. */
  readonly refs: readonly string[]
  /** The marking-definition objects to ship in the bundle. */
  readonly objects: readonly StixObject[]
}

const TLP1_FOR_20: Record<TlpLevel, Tlp1Color> = {
  CLEAR: 'white',
  WHITE: 'white',
  GREEN: 'green',
  AMBER: 'amber',
  'AMBER+STRICT': 'amber',
  RED: 'red',
}

const TLP2_FOR_21: Record<TlpLevel, Tlp2Value> = {
  CLEAR: 'clear',
  WHITE: 'clear',
  GREEN: 'green',
  AMBER: 'amber',
  'AMBER+STRICT': 'amber+strict',
  RED: 'red',
}

/**
 * The marking for a TLP in the given STIX version. 2.0 has only TLP 1.0: CLEAR maps to WHITE,
 * AMBER+STRICT to AMBER plus a "TLP:AMBER+STRICT" statement. 2.1 uses the TLP 2.0 extension.
 */
export function tlpMarking(version: StixVersion, level: TlpLevel): TlpMarking {
  // Every exported object asks for one of these few markings: build each once.
  const key = `${version} ${level}`
  let marking = markings.get(key)
  if (marking === undefined) {
    marking = buildTlpMarking(version, level)
    markings.set(key, marking)
  }
  return marking
}

const markings = new Map<string, TlpMarking>()

function buildTlpMarking(version: StixVersion, level: TlpLevel): TlpMarking {
  if (version === '2.1') {
    const object = tlp2Marking(TLP2_FOR_21[level])
    return { refs: [object.id], objects: [object] }
  }
  const objects = [tlp1Marking('2.0', TLP1_FOR_20[level])]
  if (level === 'AMBER+STRICT') objects.push(amberStrictStatement20())
  return { refs: objects.map((o) => o.id), objects }
}
