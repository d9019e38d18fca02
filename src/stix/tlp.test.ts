import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mostRestrictive, parseTlp, tlp1Marking, tlpMarking, TLP1_IDS, TLP2_IDS } from './tlp.js'

describe('TLP markings', () => {
  it('are the exact predefined TLP 1.0 objects in 2.0 (no name) and 2.1 (name, spec_version)', () => {
    assert.deepEqual(tlp1Marking('2.0', 'amber'), {
      type: 'marking-definition',
      id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
      created: '2017-01-20T00:00:00.000Z',
      definition_type: 'tlp',
      definition: { tlp: 'amber' },
    })
    assert.deepEqual(tlp1Marking('2.1', 'white'), {
      type: 'marking-definition',
      spec_version: '2.1',
      id: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
      created: '2017-01-20T00:00:00.000Z',
      definition_type: 'tlp',
      definition: { tlp: 'white' },
      name: 'TLP:WHITE',
    })
  })

  it('maps CLEAR to WHITE and AMBER+STRICT to AMBER plus a statement in 2.0', () => {
    assert.deepEqual(tlpMarking('2.0', 'CLEAR').refs, [TLP1_IDS.white])
    const strict = tlpMarking('2.0', 'AMBER+STRICT')
    assert.equal(strict.refs[0], TLP1_IDS.amber)
    assert.equal(strict.objects.length, 2)
    const statement = strict.objects[1]
    assert.ok(statement)
    assert.deepEqual(statement.definition, { statement: 'TLP:AMBER+STRICT' })
    assert.equal(strict.refs[1], statement.id)
    assert.equal(tlpMarking('2.0', 'AMBER+STRICT').refs[1], strict.refs[1], 'stable statement id')
  })

  it('uses the TLP 2.0 extension markings in 2.1', () => {
    const strict = tlpMarking('2.1', 'AMBER+STRICT')
    assert.deepEqual(strict.objects, [
      {
        type: 'marking-definition',
        spec_version: '2.1',
        id: 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
        created: '2022-10-01T00:00:00.000Z',
        name: 'TLP:AMBER+STRICT',
        extensions: {
          'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d': {
            extension_type: 'property-extension',
            tlp_2_0: 'amber+strict',
          },
        },
      },
    ])
    assert.deepEqual(tlpMarking('2.1', 'WHITE').refs, [TLP2_IDS.clear])
    assert.deepEqual(tlpMarking('2.1', 'RED').refs, [TLP2_IDS.red])
  })

  it('picks the most restrictive TLP', () => {
    assert.equal(mostRestrictive(['GREEN', 'AMBER+STRICT', 'AMBER']), 'AMBER+STRICT')
    assert.equal(mostRestrictive(['CLEAR', 'RED']), 'RED')
    assert.equal(mostRestrictive([]), undefined)
  })

  it('reads ThreatQ TLP names', () => {
    assert.equal(parseTlp('amber+strict'), 'AMBER+STRICT')
    assert.equal(parseTlp('TLP:RED'), 'RED')
    assert.equal(parseTlp('purple'), undefined)
  })
})
