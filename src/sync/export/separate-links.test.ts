import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ThreatqClient } from '../../threatq/client.js'
import { readRecord } from '../../threatq/records.js'
import { embeddedOf, memberRefs, separateLinks } from './separate-links.js'
import { RELATED } from './sync-plan.js'

/** A ThreatQ with attack patterns 1-3 (3 linked to nothing), answering in the order asked. */
function threatq() {
  const asked: string[] = []
  const links: Record<number, number[]> = { 1: [10, 11], 2: [10], 3: [] }
  const client = {
    listIds(collection: string) {
      asked.push(`list ${collection}`)
      return Promise.resolve([2, 1, 3])
    },
    async relatedIds(collection: string, id: number, related: string) {
      asked.push(`${collection}/${String(id)}/${related}`)
      // Pattern 1 answers last: the refs must not depend on the order answers arrive in.
      if (id === 1) await new Promise((r) => setTimeout(r, 5))
      return links[id] ?? []
    },
  } as unknown as ThreatqClient
  return { client, asked }
}

describe('attack-pattern links read from the attack-pattern side', () => {
  it('embeds only the collections without "_", and reads the others once, per related object', async () => {
    assert.deepEqual(embeddedOf(RELATED), ['adversaries', 'malware', 'tool', 'report'])
    const { client, asked } = threatq()
    const links = await separateLinks(client, RELATED, 500)
    assert.deepEqual(asked.sort(), [
      'attack_pattern/1/indicators',
      'attack_pattern/2/indicators',
      'attack_pattern/3/indicators',
      'list attack_pattern',
    ])
    assert.deepEqual(links.get(10), [
      { collection: 'attack_pattern', id: 1 },
      { collection: 'attack_pattern', id: 2 },
    ])
    assert.deepEqual(links.get(11), [{ collection: 'attack_pattern', id: 1 }])
    assert.equal(links.size, 2)
  })

  it("adds a member's separate links to the ones its record embeds", async () => {
    const { client } = threatq()
    const links = await separateLinks(client, RELATED, 500)
    const record = readRecord({
      id: 10,
      value: 'x.example',
      created_at: '2024-01-01 00:00:00',
      updated_at: '2024-01-01 00:00:00',
      malware: [{ id: 4 }],
    })
    assert.ok(record !== undefined)
    assert.deepEqual(memberRefs(record, links), [
      { collection: 'malware', id: 4 },
      { collection: 'attack_pattern', id: 1 },
      { collection: 'attack_pattern', id: 2 },
    ])
    assert.deepEqual(memberRefs(record, undefined), [{ collection: 'malware', id: 4 }])
  })
})
