import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { arr, call, newSim, NOW, obj, createPg } from './test-support.js'

const V2 = '/api/aed/v2'
const V3 = '/api/aed/v3'

describe('aed-sim REST: transport quirks', () => {
  it('answers a missing or wrong X-Arbux-APIToken with 401 and the invalidAuthToken envelope', async () => {
    const sim = newSim()
    for (const token of [null, 'wrong']) {
      const res = await call(sim, 'GET', `${V3}/countries/`, { token })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, {
        errors: [{ code: 'invalidAuthToken', message: 'Invalid API token.' }],
        message: 'Unauthorized',
      })
    }
    assert.equal((await call(sim, 'GET', `${V3}/countries/`)).status, 200)
  })

  it('writes JSON with sorted keys, a 2-space indent and a trailing newline', async () => {
    const res = await call(sim0(), 'POST', `${V2}/otf/blacklisted-hosts/`, {
      body: { hostAddress: '6.6.6.6', annotation: 'x' },
    })
    assert.equal(
      res.text,
      `{\n  "annotation": "x",\n  "hostAddress": "6.6.6.6",\n  "updateTime": ${String(NOW)}\n}\n`,
    )
  })

  it('uses the errors envelope for 400, 404, 405, 422 and 500', async () => {
    const sim = newSim()
    const bad = await call(sim, 'GET', `${V3}/protection-groups/denied-hosts/?cid=1&pgid=-1`)
    assert.equal(bad.status, 400)
    assert.equal(arr(obj(bad.body).errors)[0]?.field, 'cid')
    assert.equal(obj(bad.body).message, 'Bad Request')

    const missing = await call(sim, 'GET', `${V3}/protection-groups/999/`)
    assert.deepEqual(missing.body, {
      errors: [
        { code: 'notFound', field: '999', message: 'The resource "999" could not be found.' },
      ],
      message: 'Resource Not Found',
    })

    const method = await call(sim, 'PATCH', `${V3}/countries/`)
    assert.equal(method.status, 405)
    assert.equal(obj(method.body).message, 'Method Not Allowed')
    assert.equal(method.headers.get('allow'), 'GET')

    await call(sim, 'POST', `${V3}/protection-groups/`, { body: { name: 'web' } })
    const dup = await call(sim, 'POST', `${V3}/protection-groups/`, { body: { name: 'web' } })
    assert.equal(dup.status, 422)
    assert.equal(arr(obj(dup.body).errors)[0]?.code, 'duplicateName')

    // Any unexpected exception inside a handler.
    sim.state.protectionGroups.all = () => {
      throw new Error('kaboom')
    }
    const boom = await call(sim, 'GET', `${V3}/protection-groups/`)
    assert.equal(boom.status, 500)
    assert.deepEqual(boom.body, {
      errors: [{ code: 'exceptionField', field: 'Error', message: 'kaboom' }],
      message: 'An exception has occured',
    })
  })

  it('redirects a route asked for without its trailing slash, keeping the query', async () => {
    const res = await call(newSim(), 'GET', `${V3}/countries?perPage=1`)
    assert.equal(res.status, 308)
    assert.equal(res.headers.get('location'), `${V3}/countries/?perPage=1`)
  })

  it('serves /api/aps/vN/ as an alias of /api/aed/vN/', async () => {
    const sim = newSim()
    await call(sim, 'POST', '/api/aps/v2/otf/blacklisted-hosts/?hostAddress=1.2.3.4')
    const res = await call(sim, 'GET', `${V2}/otf/blacklisted-hosts/`)
    assert.equal(arr(obj(res.body)['blacklisted-hosts']).length, 1)
  })

  it('serves v2 names under v2 and v3 names under v3, and refuses the other names', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '1.1.1.1' } })
    assert.deepEqual(Object.keys(obj((await call(sim, 'GET', `${V3}/otf/denied-hosts/`)).body)), [
      'denied-hosts',
    ])
    const v2 = await call(sim, 'GET', `${V2}/otf/blacklisted-hosts/`)
    assert.equal(
      arr(obj(v2.body)['blacklisted-hosts'])[0]?.hostAddress,
      '1.1.1.1',
      'same list, v2 name',
    )
    const v2asks3 = await call(sim, 'GET', `${V2}/otf/denied-hosts/`)
    assert.equal(v2asks3.status, 404)
    assert.ok('errors' in obj(v2asks3.body), 'the PS toolkit falls back to v2 on an "errors" body')
    assert.equal((await call(sim, 'GET', `${V3}/otf/blacklisted-hosts/`)).status, 404)
    const lenient = newSim({ v3AcceptsV2Names: true })
    assert.equal((await call(lenient, 'GET', `${V3}/otf/blacklisted-hosts/`)).status, 200)
  })

  it('serves only the versions --api names', async () => {
    const sim = newSim({ api: 'v2' })
    assert.equal((await call(sim, 'GET', `${V2}/summary/`)).status, 200)
    assert.equal((await call(sim, 'GET', `${V3}/summary/`)).status, 404)
  })

  it('has /summary/ with protectionLevel', async () => {
    const res = await call(newSim(), 'GET', `${V3}/summary/`)
    assert.equal(obj(res.body).protectionLevel, 1)
  })
})

function sim0(): ReturnType<typeof newSim> {
  return newSim()
}

describe('aed-sim REST: list conventions', () => {
  it('lists countries by name, 10 per page by default, perPage=0 for all', async () => {
    const sim = newSim()
    const first = arr(obj((await call(sim, 'GET', `${V3}/countries/`)).body).countries)
    assert.equal(first.length, 10)
    const names = first.map((c) => String(c.name))
    assert.deepEqual(names, [...names].sort())
    const all = arr(obj((await call(sim, 'GET', `${V3}/countries/?perPage=0`)).body).countries)
    assert.ok(all.length > 200)
    assert.ok(all.some((c) => c.country === 'XF' && c.name === '6to4 Relay Anycast'))
    const page2 = arr(
      obj((await call(sim, 'GET', `${V3}/countries/?page=2&perPage=5`)).body).countries,
    )
    assert.deepEqual(page2, all.slice(5, 10))
  })

  it('reads one country by code and 404s an unknown one', async () => {
    const sim = newSim()
    assert.deepEqual((await call(sim, 'GET', `${V3}/countries/bs/`)).body, {
      country: 'BS',
      name: 'Bahamas',
    })
    assert.equal((await call(sim, 'GET', `${V3}/countries/QQ/`)).status, 404)
  })

  it('filters lists on value and updateTime comma lists', async () => {
    let now = 1_700_000_000_000
    const sim = newSim({ now: () => now })
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
      body: { hostAddress: ['1.1.1.1', '2.2.2.2'] },
    })
    now += 60_000
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, { body: { hostAddress: '3.3.3.3' } })
    const hosts = async (query: string): Promise<unknown[]> =>
      arr(
        obj((await call(sim, 'GET', `${V3}/otf/denied-hosts/?${query}`)).body)['denied-hosts'],
      ).map((h) => h.hostAddress)
    assert.deepEqual(await hosts('updateTime=1700000060'), ['3.3.3.3'])
    assert.deepEqual(await hosts('hostAddress=1.1.1.1,3.3.3.3'), ['1.1.1.1', '3.3.3.3'])
  })

  it('splits q on "+" and on spaces (a raw + arrives as a space)', async () => {
    const sim = newSim()
    for (const q of ['AZ+BS', 'AZ%2BBS', 'AZ BS']) {
      const res = await call(sim, 'GET', `${V3}/countries/?perPage=0&q=${q}`)
      const codes = arr(obj(res.body).countries).map((c) => c.country)
      assert.ok(codes.includes('AZ') && codes.includes('BS'), q)
    }
  })

  it('sorts on `sort` in `direction` order and projects `select`', async () => {
    const sim = newSim()
    const res = await call(
      sim,
      'GET',
      `${V3}/countries/?sort=country&direction=DESC&perPage=2&select=country`,
    )
    assert.deepEqual(obj(res.body).countries, [{ country: 'ZW' }, { country: 'ZM' }])
    assert.equal((await call(sim, 'GET', `${V3}/countries/?direction=UP`)).status, 400)
  })

  it('answers Accept: text/csv with a header of field names', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
      body: { hostAddress: ['1.1.1.1', '2.2.2.2'], annotation: 'a, b' },
    })
    const res = await call(sim, 'GET', `${V3}/otf/denied-hosts/`, {
      headers: { accept: 'text/csv' },
    })
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/)
    assert.equal(
      res.text,
      `annotation,hostAddress,updateTime\r\na,1.1.1.1,${String(NOW)}\r\nb,2.2.2.2,${String(NOW)}\r\n`,
    )
  })

  it('merges the query string and the JSON body, the body winning', async () => {
    const sim = newSim()
    const res = await call(
      sim,
      'POST',
      `${V3}/otf/denied-hosts/?hostAddress=9.9.9.9&annotation=query`,
      {
        body: { annotation: 'body' },
      },
    )
    assert.deepEqual(res.body, { annotation: 'body', hostAddress: '9.9.9.9', updateTime: NOW })
  })
})

describe('aed-sim REST: outbound lists', () => {
  it('adds one host as a bare object (201), several as {"hosts": [...]}', async () => {
    const sim = newSim()
    const one = await call(sim, 'POST', `${V2}/otf/blacklisted-hosts/`, {
      body: { hostAddress: '1.1.1.1' },
    })
    assert.equal(one.status, 201)
    assert.deepEqual(one.body, { annotation: '', hostAddress: '1.1.1.1', updateTime: NOW })
    const two = await call(sim, 'POST', `${V2}/otf/blacklisted-hosts/`, {
      body: { hostAddress: '2.2.2.2,10.0.0.0/8', annotation: 'same for both' },
    })
    assert.deepEqual(two.body, {
      hosts: [
        { annotation: 'same for both', hostAddress: '2.2.2.2', updateTime: NOW },
        { annotation: 'same for both', hostAddress: '10.0.0.0/8', updateTime: NOW },
      ],
    })
  })

  it('rejects a value that is not an address or CIDR with a 400 naming the field (--list-errors named)', async () => {
    const res = await call(
      newSim({ listRules: { errors: 'named' } }),
      'POST',
      `${V3}/otf/denied-hosts/`,
      {
        body: { hostAddress: '1.2.3' },
      },
    )
    assert.equal(res.status, 400)
    assert.equal(arr(obj(res.body).errors)[0]?.field, 'hostAddress')
  })

  it('by default a refused write is a bare 400: neither the field nor the value named', async () => {
    const res = await call(newSim(), 'POST', `${V3}/otf/denied-hosts/`, {
      body: { hostAddress: ['192.0.2.1', '1.2.3'] },
    })
    assert.equal(res.status, 400)
    const error = obj(arr(obj(res.body).errors)[0])
    assert.equal(error.field, undefined)
    assert.doesNotMatch(res.text, /hostAddress|1\.2\.3/)
  })

  it('adds outbound countries as a top-level array, even one, with a null empty annotation', async () => {
    const sim = newSim()
    const res = await call(sim, 'POST', `${V2}/otf/blacklisted-countries/?country=BS`)
    assert.equal(res.status, 201)
    assert.deepEqual(res.body, [{ annotation: null, country: 'BS', updateTime: NOW }])
    const two = await call(sim, 'POST', `${V3}/otf/denied-countries/?country=AU,es&annotation=t`)
    assert.ok(Array.isArray(two.body))
    assert.deepEqual(
      arr(two.body).map((c) => c.country),
      ['AU', 'ES'],
    )
  })

  it('deletes with 204 and an empty body, by a comma list in the query', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
      body: { hostAddress: ['1.1.1.1', '2.2.2.2', '3.3.3.3'] },
    })
    const res = await call(sim, 'DELETE', `${V3}/otf/denied-hosts/?hostAddress=1.1.1.1,2.2.2.2`)
    assert.equal(res.status, 204)
    assert.equal(res.text, '')
    const left = arr(obj((await call(sim, 'GET', `${V3}/otf/denied-hosts/`)).body)['denied-hosts'])
    assert.deepEqual(
      left.map((h) => h.hostAddress),
      ['3.3.3.3'],
    )
  })

  it('replaces the whole list with PUT and reads single hosts and CIDRs by path', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/allowed-hosts/`, {
      body: { hostAddress: ['1.1.1.1', '2.2.2.2'] },
    })
    await call(sim, 'PUT', `${V3}/otf/allowed-hosts/`, { body: { hostAddress: ['5.5.5.0/24'] } })
    const list = arr(
      obj((await call(sim, 'GET', `${V3}/otf/allowed-hosts/`)).body)['allowed-hosts'],
    )
    assert.deepEqual(
      list.map((h) => h.hostAddress),
      ['5.5.5.0/24'],
    )
    assert.equal(
      obj((await call(sim, 'GET', `${V3}/otf/allowed-hosts/5.5.5.0/24/`)).body).hostAddress,
      '5.5.5.0/24',
    )
    assert.equal((await call(sim, 'GET', `${V3}/otf/allowed-hosts/1.1.1.1/`)).status, 404)
  })

  it('sorts hosts IPv4 before IPv6 by default', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: ['2001:db8::1', '9.9.9.9', '1.1.1.1'] },
    })
    const list = arr(
      obj((await call(sim, 'GET', `${V3}/protection-groups/denied-hosts/`)).body)['denied-hosts'],
    )
    assert.deepEqual(
      list.map((h) => h.hostAddress),
      ['1.1.1.1', '9.9.9.9', '2001:db8::1'],
    )
  })
})

describe('aed-sim REST: inbound lists and scopes', () => {
  it('stores a value added without a scope as global: cid [-1], pgid [-1]', async () => {
    const res = await call(newSim(), 'POST', `${V2}/protection-groups/blacklisted-hosts/`, {
      body: { hostAddress: ['1.2.3.4'], annotation: 'note' },
    })
    assert.deepEqual(res.body, {
      annotation: ['note'],
      cid: [-1],
      hostAddress: '1.2.3.4',
      pgid: [-1],
      updateTime: NOW,
    })
  })

  it('collects one record per value across scopes, one annotation per scope', async () => {
    const sim = newSim()
    const pgid = await createPg(sim, { name: 'web', prefixes: '192.0.2.0/24' })
    await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '1.2.3.4', pgid: '-1', annotation: 'g' },
    })
    await call(
      sim,
      'POST',
      `${V3}/protection-groups/denied-hosts/?hostAddress=1.2.3.4&pgid=${String(pgid)}&annotation=p`,
    )
    await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '1.2.3.4', cid: 12 },
    })
    const list = arr(
      obj((await call(sim, 'GET', `${V3}/protection-groups/denied-hosts/`)).body)['denied-hosts'],
    )
    assert.deepEqual(list, [
      {
        annotation: ['g', 'p', ''],
        cid: [-1, 12],
        hostAddress: '1.2.3.4',
        pgid: [-1, pgid],
        updateTime: NOW,
      },
    ])
    const scoped = await call(
      sim,
      'GET',
      `${V3}/protection-groups/denied-hosts/?pgid=${String(pgid)}`,
    )
    assert.equal(arr(obj(scoped.body)['denied-hosts']).length, 1)
    const perPg = await call(sim, 'GET', `${V3}/protection-groups/${String(pgid)}/denied-hosts/`)
    assert.equal(arr(obj(perPg.body)['denied-hosts']).length, 1)
  })

  it('takes a pgid as int, numeric string, comma string or array', async () => {
    const sim = newSim()
    const a = await createPg(sim, { name: 'a' })
    const b = await createPg(sim, { name: 'b' })
    for (const [i, pgid] of [a, String(a), `${String(a)},${String(b)}`, [a, b]].entries()) {
      const res = await call(sim, 'POST', `${V3}/protection-groups/denied-domains/`, {
        body: { domain: `d${String(i)}.example`, pgid },
      })
      assert.equal(res.status, 201, JSON.stringify(pgid))
      assert.ok((obj(res.body).pgid as number[]).includes(a))
    }
    const unknown = await call(sim, 'POST', `${V3}/protection-groups/denied-domains/`, {
      body: { domain: 'x.example', pgid: 999 },
    })
    assert.equal(unknown.status, 400)
  })

  it('refuses cid together with pgid', async () => {
    const res = await call(newSim(), 'POST', `${V3}/protection-groups/denied-hosts/`, {
      body: { hostAddress: '1.1.1.1', cid: -1, pgid: -1 },
    })
    assert.equal(res.status, 400)
  })

  it('reads empty annotations back as [""] for hosts and [] for countries, domains and URLs', async () => {
    const sim = newSim()
    const host = await call(sim, 'POST', `${V3}/protection-groups/allowed-hosts/`, {
      body: { hostAddress: '1.1.1.1' },
    })
    assert.deepEqual(obj(host.body).annotation, [''])
    for (const [path, key, value] of [
      ['denied-countries', 'country', 'AM'],
      ['denied-domains', 'domain', 'google.com'],
      ['denied-urls', 'url', 'google.com'],
    ] as const) {
      const res = await call(sim, 'POST', `${V3}/protection-groups/${path}/`, {
        body: { [key]: value },
      })
      assert.deepEqual(res.body, {
        annotation: [],
        cid: [-1],
        [key]: value,
        pgid: [-1],
        updateTime: NOW,
      })
    }
  })

  it('wraps several inbound values in countries / domains / urls', async () => {
    const sim = newSim({ listRules: { arrays: 'accept' } })
    const countries = await call(
      sim,
      'POST',
      `${V2}/protection-groups/blacklisted-countries/?country=AU,BS`,
    )
    assert.deepEqual(Object.keys(obj(countries.body)), ['countries'])
    const domains = await call(sim, 'POST', `${V2}/protection-groups/blacklisted-domains/`, {
      body: { domain: 'a.example,b.example' },
    })
    assert.deepEqual(Object.keys(obj(domains.body)), ['domains'])
    const urls = await call(sim, 'POST', `${V2}/protection-groups/blacklisted-urls/`, {
      body: { url: ['http://a.example/x', 'b.example/y'] },
    })
    assert.deepEqual(
      arr(obj(urls.body).urls).map((u) => u.url),
      ['a.example/x', 'b.example/y'],
      'URLs lose their scheme',
    )
  })

  it('deletes from one scope when one is given, from every scope otherwise', async () => {
    const sim = newSim()
    const pg = await createPg(sim, { name: 'a' })
    for (const pgid of [-1, pg]) {
      await call(sim, 'POST', `${V3}/protection-groups/denied-hosts/`, {
        body: { hostAddress: ['1.1.1.1', '2.2.2.2'], pgid },
      })
    }
    assert.equal(
      (
        await call(
          sim,
          'DELETE',
          `${V3}/protection-groups/denied-hosts/?hostAddress=1.1.1.1&pgid=-1`,
        )
      ).status,
      204,
    )
    await call(sim, 'DELETE', `${V3}/protection-groups/denied-hosts/?hostAddress=2.2.2.2`)
    const list = arr(
      obj((await call(sim, 'GET', `${V3}/protection-groups/denied-hosts/`)).body)['denied-hosts'],
    )
    assert.deepEqual(
      list.map((h) => [h.hostAddress, h.pgid]),
      [['1.1.1.1', [pg]]],
    )
  })
})

describe('aed-sim REST: protection groups', () => {
  it('creates with 201 and int active, bool profiling, epoch-second timeCreated', async () => {
    const res = await call(newSim(), 'POST', `${V3}/protection-groups/`, {
      body: {
        name: 'web',
        prefixes: '192.0.2.0/24,198.51.100.7',
        serverType: 0,
        active: 1,
        protectionLevel: null,
      },
    })
    assert.equal(res.status, 201)
    const pg = obj(res.body)
    assert.equal(pg.active, 1)
    assert.equal(pg.profiling, false)
    assert.equal(pg.protectionLevel, null)
    assert.equal(pg.timeCreated, NOW)
    assert.deepEqual(pg.prefixes, ['192.0.2.0/24', '198.51.100.7/32'])
  })

  it('filters on active given as 0/1/true/false/True/False', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/protection-groups/`, { body: { name: 'on', active: 1 } })
    for (const [value, expected] of [
      ['1', 'on'],
      ['true', 'on'],
      ['True', 'on'],
      ['0', 'Default Protection Group'],
      ['false', 'Default Protection Group'],
      ['False', 'Default Protection Group'],
    ]) {
      const res = await call(sim, 'GET', `${V2}/protection-groups/?active=${String(value)}`)
      assert.deepEqual(
        arr(obj(res.body)['protection-groups']).map((g) => g.name),
        [expected],
        String(value),
      )
    }
  })

  it('PATCHes one pgid to a bare object without cid, several to a wrapper', async () => {
    const sim = newSim()
    const a = await createPg(sim, { name: 'a' })
    const b = await createPg(sim, { name: 'b' })
    const one = await call(
      sim,
      'PATCH',
      `${V2}/protection-groups/?pgid=${String(a)}&active=False&protectionLevel=3`,
    )
    assert.equal(one.status, 200)
    assert.equal(obj(one.body).active, 0)
    assert.equal(obj(one.body).protectionLevel, 3)
    assert.ok(!('cid' in obj(one.body)))
    const both = await call(sim, 'PATCH', `${V3}/protection-groups/`, {
      body: { pgid: `${String(a)},${String(b)}`, active: 1 },
    })
    assert.deepEqual(
      arr(obj(both.body)['protection-groups']).map((g) => [g.pgid, g.active]),
      [
        [a, 1],
        [b, 1],
      ],
    )
  })

  it('gets and deletes one group by id; per-group list routes need the group', async () => {
    const sim = newSim()
    const pgid = await createPg(sim, { name: 'gone' })
    assert.equal(
      obj((await call(sim, 'GET', `${V3}/protection-groups/${String(pgid)}/`)).body).name,
      'gone',
    )
    assert.equal(
      (await call(sim, 'DELETE', `${V3}/protection-groups/${String(pgid)}/`)).status,
      204,
    )
    assert.equal((await call(sim, 'GET', `${V3}/protection-groups/${String(pgid)}/`)).status, 404)
    const scoped = await call(
      sim,
      'POST',
      `${V3}/protection-groups/${String(pgid)}/denied-hosts/`,
      {
        body: { hostAddress: '1.1.1.1' },
      },
    )
    assert.equal(scoped.status, 404)
  })

  it('requires a pgid, an existing group, and a duration when profiling', async () => {
    const sim = newSim()
    assert.equal(
      (await call(sim, 'PATCH', `${V3}/protection-groups/`, { body: { active: 1 } })).status,
      400,
    )
    assert.equal((await call(sim, 'PATCH', `${V3}/protection-groups/?pgid=77`)).status, 404)
    assert.equal(
      (await call(sim, 'PATCH', `${V3}/protection-groups/?pgid=1&profiling=1`)).status,
      400,
    )
    const ok = await call(
      sim,
      'PATCH',
      `${V3}/protection-groups/?pgid=1&profiling=true&profilingDuration=3`,
    )
    assert.deepEqual(
      [obj(ok.body).profiling, obj(ok.body).profilingDuration, obj(ok.body).profilingStart],
      [true, 3, NOW],
    )
  })
})

describe('aed-sim REST: strict lists (the defaults) and their lenient variants', () => {
  const domains = `${V3}/protection-groups/denied-domains/`
  const urls = `${V3}/protection-groups/denied-urls/`

  it('refuses domains and URLs as a JSON array; takes the comma string (body or query)', async () => {
    const sim = newSim()
    for (const [path, field, values] of [
      [domains, 'domain', ['a.example', 'b.example']],
      [urls, 'url', ['a.example/x', 'b.example/y']],
    ] as const) {
      const array = await call(sim, 'POST', path, { body: { [field]: values } })
      assert.equal(array.status, 400, `${field} array`)
      const body = await call(sim, 'POST', path, {
        body: { [field]: values.join(','), annotation: 'n1,n2' },
      })
      assert.equal(body.status, 201, `${field} comma string in the body (FortiSOAR)`)
      await call(sim, 'DELETE', `${path}?${field}=${values.join(',')}`)
      const query = await call(sim, 'POST', `${path}?${field}=${values.join(',')}&annotation=q`)
      assert.equal(query.status, 201, `${field} comma string in the query (XSOAR)`)
    }
    const lenient = newSim({ listRules: { arrays: 'accept' } })
    const accepted = await call(lenient, 'POST', domains, { body: { domain: ['a.example'] } })
    assert.equal(accepted.status, 201)
  })

  it('a value filter matches by substring and pages the matches; --list-filter exact does not', async () => {
    for (const [filter, expected] of [
      ['substring', ['10.0.0.1', '10.0.0.10', '10.0.0.11']],
      ['exact', ['10.0.0.1']],
    ] as const) {
      const sim = newSim({ listRules: { filter } })
      await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
        body: { hostAddress: ['10.0.0.11', '10.0.0.1', '10.0.0.10', '10.0.0.2'] },
      })
      const res = await call(sim, 'GET', `${V3}/otf/denied-hosts/?hostAddress=10.0.0.1&perPage=0`)
      assert.deepEqual(
        arr(obj(res.body)['denied-hosts']).map((h) => h.hostAddress),
        expected,
        filter,
      )
    }
    // perPage cuts the loose matches: a real match may fall off the page.
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
      body: { hostAddress: ['10.0.0.10', '10.0.0.11', '10.0.0.12', '10.0.0.2'] },
    })
    const res = await call(
      sim,
      'GET',
      `${V3}/otf/denied-hosts/?hostAddress=10.0.0.1,10.0.0.2&perPage=2`,
    )
    assert.deepEqual(
      arr(obj(res.body)['denied-hosts']).map((h) => h.hostAddress),
      ['10.0.0.10', '10.0.0.11'],
    )
  })

  it('refuses a re-add of a held value (inbound: in a held scope) and writes nothing', async () => {
    const sim = newSim()
    const out = `${V3}/otf/denied-hosts/`
    assert.equal((await call(sim, 'POST', out, { body: { hostAddress: '192.0.2.1' } })).status, 201)
    const again = await call(sim, 'POST', out, {
      body: { hostAddress: ['192.0.2.2', '192.0.2.1'] },
    })
    assert.equal(again.status, 400)
    assert.equal(arr(obj(again.body).errors)[0]?.field, undefined)
    assert.equal(sim.state.list('outbound-denied-hosts').size, 1, 'nothing of it written')
    const pg = await createPg(sim, { name: 'a' })
    const inbound = `${V3}/protection-groups/denied-hosts/`
    await call(sim, 'POST', inbound, { body: { hostAddress: '192.0.2.1', pgid: '-1' } })
    const scoped = await call(sim, 'POST', inbound, {
      body: { hostAddress: '192.0.2.1', pgid: String(pg) },
    })
    assert.equal(scoped.status, 201, 'a new scope of a held value is not a re-add')
    const dup = await call(sim, 'POST', inbound, { body: { hostAddress: '192.0.2.1', pgid: '-1' } })
    assert.equal(dup.status, 400)
    const idempotent = newSim({ listRules: { readds: 'idempotent' } })
    for (let i = 0; i < 2; i++)
      assert.equal(
        (await call(idempotent, 'POST', out, { body: { hostAddress: '192.0.2.1' } })).status,
        201,
      )
  })

  it('answers updateTime=0 (FortiSOAR sends it on every read) with the whole list', async () => {
    const sim = newSim()
    await call(sim, 'POST', `${V3}/otf/denied-hosts/`, {
      body: { hostAddress: ['192.0.2.1', '192.0.2.2'] },
    })
    const res = await call(sim, 'GET', `${V3}/otf/denied-hosts/?updateTime=0&perPage=0`)
    assert.equal(arr(obj(res.body)['denied-hosts']).length, 2)
    const filtered = await call(sim, 'GET', `${V3}/otf/denied-hosts/?updateTime=1&perPage=0`)
    assert.equal(arr(obj(filtered.body)['denied-hosts']).length, 0)
  })
})
