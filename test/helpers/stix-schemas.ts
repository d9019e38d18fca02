/**
 * Loads the OASIS STIX JSON schemas from ../shared/stix-schemas (or $STIX_SCHEMAS_DIR) into Ajv,
 * with the adjustments docs/stix.md, "Schemas in tests" lists. When they are absent a plain test
 * run skips the schema tests and says so; with REQUIRE_STIX_SCHEMAS=1 (CI) that is an error.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { StixVersion } from '../../src/stix/types.js'

const ID_PREFIX = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas'

function schemasDir(): string | undefined {
  const candidates = [process.env.STIX_SCHEMAS_DIR, resolve('..', 'shared', 'stix-schemas')]
  return candidates.find(
    (d): d is string => d !== undefined && d !== '' && existsSync(join(d, 'stix2.0', 'schemas')),
  )
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? jsonFiles(join(dir, e.name))
      : e.name.endsWith('.json')
        ? [join(dir, e.name)]
        : [],
  )
}

export interface StixSchemas {
  /** Validates `value` against `schemas/<path>` (e.g. `common/bundle.json`); returns error lines. */
  errors(path: string, value: unknown): string[]
}

function load(dir: string, version: StixVersion): StixSchemas {
  const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addFormat('idn-hostname', true)
  for (const file of jsonFiles(join(dir, `stix${version}`, 'schemas'))) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    // The 2.0 branch says http://…/2020-12/schema#, which Ajv does not know; the files stay untouched.
    delete schema.$schema
    ajv.addSchema(schema)
  }
  return {
    errors(path, value) {
      const validate = ajv.getSchema(`${ID_PREFIX}/stix${version}/schemas/${path}`)
      if (validate === undefined) throw new Error(`no STIX ${version} schema ${path}`)
      if (validate(value)) return []
      return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
    },
  }
}

const dir = schemasDir()
if (dir === undefined && process.env.REQUIRE_STIX_SCHEMAS === '1')
  throw new Error(
    'STIX schemas not found: set STIX_SCHEMAS_DIR or put shared/stix-schemas beside the repo',
  )

/** `skip` is false when the schemas are loaded, else the reason tests print when skipping. */
export const schemaSkip: string | false =
  dir === undefined ? 'OASIS STIX schemas not found (../shared/stix-schemas); skipped' : false

const cache = new Map<StixVersion, StixSchemas>()

export function stixSchemas(version: StixVersion): StixSchemas {
  if (dir === undefined) throw new Error(String(schemaSkip))
  let schemas = cache.get(version)
  if (schemas === undefined) {
    schemas = load(dir, version)
    cache.set(version, schemas)
  }
  return schemas
}

/** The schema file that describes one object of `type`. */
export function schemaPathFor(type: string): string {
  if (type === 'relationship' || type === 'sighting') return `sros/${type}.json`
  if (type === 'marking-definition' || type === 'bundle') return `common/${type}.json`
  return `sdos/${type}.json`
}
