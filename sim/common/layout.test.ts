/**
 * The simulators keep one shape (docs/architecture.md, "The simulators"): the same files, the same
 * factory and command-line names, and route modules that take what they use as arguments.
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'

/** The sources, from the compiled test's place (dist/sim/common/) back to the repository. */
const SIM = fileURLToPath(new URL('../../../sim/', import.meta.url))

const SIMULATORS = { aed: 'Aed', edm: 'Edm', threatq: 'Threatq' } as const

const read = (path: string): string => readFileSync(join(SIM, path), 'utf8')

/** Route modules of a simulator, its subdirectories included, as paths under sim/. */
function routeModules(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(join(SIM, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) found.push(...routeModules(path))
    else if (/^routes-.*(?<!\.test)\.ts$/.test(entry.name)) found.push(path)
  }
  return found
}

describe('the simulators', () => {
  for (const [dir, name] of Object.entries(SIMULATORS)) {
    it(`sim/${dir} has the files, the factory and the command-line names of the others`, () => {
      for (const file of [
        'app.ts',
        'routes-admin.ts',
        'cli.ts',
        'bin.ts',
        'persist.ts',
        'test-support.ts',
      ])
        assert.ok(existsSync(join(SIM, dir, file)), `sim/${dir}/${file}`)
      assert.match(read(`${dir}/app.ts`), new RegExp(`^export function create${name}Sim\\(`, 'm'))
      const cli = read(`${dir}/cli.ts`)
      assert.match(cli, new RegExp(`^export function build${name}Parser\\(`, 'm'))
      assert.match(cli, new RegExp(`^export function ${dir}OptionsFrom\\(`, 'm'))
      assert.match(cli, /from '\.\.\/common\/cli\.js'/)
    })

    it(`sim/${dir}'s route modules mount their routes and never import app.ts`, () => {
      const modules = routeModules(dir)
      assert.ok(modules.length >= 2, modules.join(', '))
      for (const path of modules) {
        const text = read(path)
        assert.match(text, /^export function mount\w+Routes\(/m, path)
        assert.doesNotMatch(text, /from '(\.\/|(\.\.\/)+)app\.js'/, path)
      }
    })
  }

  it('sim/taxii, in-process only, has the factory', () => {
    assert.match(read('taxii/app.ts'), /^export function createTaxiiSim\(/m)
  })
})
