import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { nearest, optionsSchema } from './options.js'
import { Sources } from './sources.js'

describe('where a setting comes from', () => {
  const file = '/etc/x/netscout-aed.yaml'

  it('names settings of one source together, the environment first', () => {
    const sources = new Sources(file, { stix_version: '2.1' }, { THREATQ_USERNAME: 'a@b.c' })
    assert.equal(
      sources.threatqs('username', 'password', 'client_id'),
      `environment variable THREATQ_USERNAME, and threatq.password and threatq.client_id in ${file} (or environment variables THREATQ_PASSWORD and THREATQ_CLIENT_ID)`,
    )
    assert.equal(
      sources.options('stix_client_username', 'stix_version'),
      `"STIX Client Username" (stix_client_username) in the ThreatQ UI connector options, and options.stix_version in ${file}`,
    )
  })

  it('an option without a UI field may be in either place; before the first file, the variables alone', () => {
    assert.equal(
      new Sources(file, {}, {}).option('aed_ca_file'),
      `aed_ca_file in the ThreatQ UI connector options (or under options: in ${file})`,
    )
    assert.equal(
      new Sources(undefined, {}, {}).threatq('ca_file'),
      'environment variable THREATQ_CA_FILE',
    )
  })
})

describe('the nearest option key to a typo', () => {
  const keys = Object.keys(optionsSchema.shape)
  it('suggests a key a few letters off, and nothing for a word far from all', () => {
    assert.equal(nearest('relationshp_depth', keys), 'relationship_depth')
    assert.equal(nearest('API_TOKEN', keys), 'api_token')
    assert.equal(nearest('colour', keys), undefined)
  })
})
