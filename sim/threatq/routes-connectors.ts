/**
 * `/api/connectors` (docs/threatq-api.md, "Connector records") over the records of connectors.ts;
 * the person in the UI who sets a connector's options and toggles it on is `POST /_sim/connector`
 * (routes-admin.ts).
 */
import { createConnector, presentConnector, updateConnector } from './connectors.js'
import type { SimApp, SimCore } from './core.js'
import { notFound, validationError } from './errors.js'
import { idParam, pagedList, readJson } from './http.js'
import { isObject } from './ingest.js'

export function mountConnectorRoutes(app: SimApp, sim: SimCore): void {
  app.get('/api/connectors', (c) => {
    const name = c.req.query('name')
    const items = sim.store.connectors.filter((r) => name === undefined || r.name === name)
    const withSpec = c.req.query('with')
    return c.json(pagedList(c, items, (r) => presentConnector(r, withSpec)))
  })
  app.get('/api/connectors/:id', (c) => {
    const record = sim.store.connectorById(idParam(c))
    if (record === undefined) throw notFound()
    return c.json({ data: presentConnector(record, c.req.query('with')) })
  })
  app.post('/api/connectors', async (c) => {
    const body = await readJson(c)
    if (!isObject(body) || typeof body.name !== 'string' || body.name === '') {
      throw validationError('name', 'The name field is required.')
    }
    if (sim.store.connectorByName(body.name) !== undefined) {
      throw validationError('name', 'The name has already been taken.')
    }
    const record = createConnector(sim.store, body.name)
    // A new connector stays off until a person enables it in the UI, whatever the body says.
    updateConnector(sim.store, record, { ...body, is_active: false })
    return c.json({ data: presentConnector(record, c.req.query('with')) }, 201)
  })
  app.put('/api/connectors/:id', async (c) => {
    const record = sim.store.connectorById(idParam(c))
    if (record === undefined) throw notFound()
    const body = await readJson(c)
    if (!isObject(body)) throw validationError('data', 'The body must be an object.')
    updateConnector(sim.store, record, body)
    return c.json({ data: presentConnector(record, c.req.query('with')) })
  })
}
