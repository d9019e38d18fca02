/**
 * --check's look at EDM (src/cli/check.ts): one small threats query proves the host and the token
 * (in whichever header EDM takes), and says which AEDs EDM has alerts from.
 */
import { parseJsonBody } from '../http/json.js'
import { edmTimeText, THREATS_PATH, type EdmClient } from './client.js'
import { threatsAnswerSchema } from './record.js'

/** How far back an AED's alerts make it one EDM knows. */
export const KNOWN_DAYS = 30

/** Latest alerts a probe reads: the AED names among them are the ones --check lists. */
const PROBE_SIZE = 100

export interface EdmProbe {
  /** Alerts in the last KNOWN_DAYS (from this AED, when one is named). */
  total: number
  /** The AEDs (EDM's `hostname`) of the latest of them, sorted. */
  aeds: string[]
}

export async function probeEdm(
  edm: EdmClient,
  query: { end: number; aedName?: string | undefined },
): Promise<EdmProbe> {
  const aed = query.aedName?.trim()
  const response = await edm.request({
    path: THREATS_PATH,
    query: {
      start: edmTimeText(query.end - KNOWN_DAYS * 86_400_000),
      end: edmTimeText(query.end),
      sort: '-time',
      size: PROBE_SIZE,
      descriptions: 'false',
      ...(aed === undefined || aed === '' ? {} : { hostname: aed }),
    },
    headers: { accept: 'application/json' },
  })
  const { data } = parseJsonBody('edm', response, threatsAnswerSchema, 'threats page')
  const aeds = new Set<string>()
  for (const hit of data.hits) {
    const name = (hit as { hostname?: unknown } | null)?.hostname
    if (typeof name === 'string') aeds.add(name)
  }
  return { total: data.totalSize ?? data.hits.length, aeds: [...aeds].sort() }
}
