/** Reads and edits the ThreatQ simulator through its real API, as a person or another tool would. */
import { fetch } from 'undici'
import { simDispatcher, type Sim } from './processes.js'
import { CREDS, startWorld, type World } from './world.js'

export async function threatqApi(
  sim: Sim,
): Promise<<T>(method: string, path: string, body?: unknown) => Promise<T>> {
  const auth = await fetch(`${sim.url}/api/token?grant_type=password&client_id=${CREDS.clientId}`, {
    dispatcher: simDispatcher,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: CREDS.user, password: CREDS.password }),
  })
  const { access_token } = (await auth.json()) as { access_token: string }
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${sim.url}${path}`, {
      dispatcher: simDispatcher,
      method,
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${String(response.status)} ${text}`)
    return (text === '' ? undefined : JSON.parse(text)) as T
  }
}

/** Saves a data collection of the indicators from one source, in any of these statuses. */
export async function saveFeedCollection(
  api: Awaited<ReturnType<typeof threatqApi>>,
  name: string,
  feed: string,
  statuses: readonly string[],
): Promise<void> {
  await api('POST', '/api/search/query', {
    name,
    json: {
      api_query: {
        criteria: { '+or': [{ source_name: feed }] },
        filters: { '+or': statuses.map((s) => ({ status_name: s })) },
      },
    },
  })
}

/**
 * Active indicators of one type from `feed`, and the data collection `collection` of the feed's
 * Active members: their ids by value.
 */
export async function seedFeed(
  api: Awaited<ReturnType<typeof threatqApi>>,
  seed: { feed: string; collection: string; type: string; values: readonly string[] },
): Promise<Map<string, number>> {
  const created = await api<{ data: { id: number; value: string }[] }>(
    'POST',
    '/api/indicators/consume',
    seed.values.map((value) => ({
      value,
      type: { name: seed.type },
      status: { name: 'Active' },
      sources: [{ name: seed.feed }],
    })),
  )
  await saveFeedCollection(api, seed.collection, seed.feed, ['Active'])
  return new Map(created.data.map((r) => [r.value, r.id]))
}

/**
 * A world whose connector exports one feed (`seedFeed`) without related objects, configured with
 * these options too: the world, the ThreatQ API and the indicator ids by value.
 */
export async function startFeedWorld(
  seed: Parameters<typeof seedFeed>[1],
  options: Record<string, string> = {},
): Promise<{
  world: World
  api: Awaited<ReturnType<typeof threatqApi>>
  ids: Map<string, number>
}> {
  const world = await startWorld()
  const api = await threatqApi(world.threatq)
  const ids = await seedFeed(api, seed)
  await world.configure({ data_collection: seed.collection, relationship_depth: '0', ...options })
  return { world, api, ids }
}
