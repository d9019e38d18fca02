import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTaxiiSim, TEST_COLLECTIONS, TEST_ROOT } from './app.js'
import { MEDIA_TYPES, type TaxiiVersion } from '../../src/taxii/types.js'

const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`

for (const version of ['2.0', '2.1'] as const satisfies TaxiiVersion[]) {
  const media = MEDIA_TYPES[version]
  const writable = TEST_COLLECTIONS[0]?.id ?? ''
  const readOnly = TEST_COLLECTIONS[1]?.id ?? ''
  const objectsUrl = (id: string) => `/${TEST_ROOT}/collections/${id}/objects/`
  const headers = { authorization: basic('user', 'pass'), accept: media.taxii }

  describe(`TAXII ${version} test server follows the spec's rules`, () => {
    it('401 without or with bad Basic credentials, with WWW-Authenticate', async () => {
      const { app } = createTaxiiSim({ version })
      for (const authorization of [undefined, basic('user', 'wrong'), 'Bearer x']) {
        const res = await app.request(`/${TEST_ROOT}/`, {
          headers: {
            accept: media.taxii,
            ...(authorization === undefined ? {} : { authorization }),
          },
        })
        assert.equal(res.status, 401)
        assert.equal(res.headers.get('www-authenticate'), 'Basic realm="taxii"')
        assert.equal(((await res.json()) as { title: string }).title, 'Unauthorized')
      }
    })
    it('404 for an unknown API root, collection or status', async () => {
      const { app } = createTaxiiSim({ version })
      for (const path of ['/nope/', `/${TEST_ROOT}/collections/x/`, `/${TEST_ROOT}/status/x/`]) {
        assert.equal((await app.request(path, { headers })).status, 404, path)
      }
    })
    it('406 for an Accept of another version or without a version', async () => {
      const { app } = createTaxiiSim({ version })
      const other = MEDIA_TYPES[version === '2.0' ? '2.1' : '2.0'].taxii
      for (const accept of [other, 'application/json', media.taxii.replace(/;\s*version=.*/, '')]) {
        const res = await app.request(`/${TEST_ROOT}/`, { headers: { ...headers, accept } })
        assert.equal(res.status, 406, accept)
      }
    })
    const post = (
      app: ReturnType<typeof createTaxiiSim>['app'],
      id: string,
      body: string,
      contentType: string = media.stix,
    ) =>
      app.request(objectsUrl(id), {
        method: 'POST',
        body,
        headers: { ...headers, 'content-type': contentType },
      })
    const bundle = (objects: object[]) =>
      JSON.stringify(
        version === '2.0'
          ? { type: 'bundle', id: 'bundle--1', spec_version: '2.0', objects }
          : { objects },
      )

    it('403 when adding to a collection that is not writable', async () => {
      const { app } = createTaxiiSim({ version })
      assert.equal((await post(app, readOnly, bundle([]))).status, 403)
    })
    it('413 for a body over max_content_length, measured in bytes', async () => {
      const { app } = createTaxiiSim({ version, maxContentLength: 200 })
      const objects = [{ type: 'indicator', id: 'indicator--1', name: 'é'.repeat(70) }]
      const body = bundle(objects)
      assert.ok(body.length <= 200 && Buffer.byteLength(body) > 200)
      assert.equal((await post(app, writable, body)).status, 413)
    })
    it('415 for a wrong Content-Type', async () => {
      const { app } = createTaxiiSim({ version })
      assert.equal((await post(app, writable, bundle([]), 'application/json')).status, 415)
    })
    it('202 with a status resource, readable with and without the trailing slash', async () => {
      const { app } = createTaxiiSim({ version })
      const res = await post(
        app,
        writable,
        bundle([{ type: 'indicator', id: 'indicator--1', modified: 'm' }]),
      )
      assert.equal(res.status, 202)
      const status = (await res.json()) as { id: string; success_count: number }
      assert.equal(status.success_count, 1)
      for (const path of [
        `/${TEST_ROOT}/status/${status.id}/`,
        `/${TEST_ROOT}/status/${status.id}`,
      ]) {
        const again = await app.request(path, { headers })
        assert.equal(again.status, 200, path)
        assert.equal(again.headers.get('content-type'), media.taxii)
      }
    })
  })
}
