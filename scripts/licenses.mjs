// The third-party license file of a bundle: for every package directory the bundle holds
// (dist/bundled-packages.json, written by scripts/bundle.mjs), its name, version, declared
// license and license text, read from node_modules. A package without a license file fails the
// build: what we ship, we must be able to attribute.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-][a-z0-9]+)*$/i

/** The text of one package's entry. */
function entry(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const files = readdirSync(dir)
    .filter((f) => LICENSE_FILE.test(f))
    .sort()
  if (files.length === 0)
    throw new Error(`licenses: ${dir} (${pkg.name}@${pkg.version}) ships no license file`)
  const texts = files.map((f) => readFileSync(join(dir, f), 'utf8').trim())
  const declared = typeof pkg.license === 'string' ? pkg.license : JSON.stringify(pkg.license)
  return [`${pkg.name}@${pkg.version} (${declared})`, '', ...texts].join('\n')
}

/**
 * The whole file. `extra`: further `{ title, text }` sections first (the Node.js runtime inside
 * the single executable).
 */
export function thirdPartyLicenses(packageDirs, extra = []) {
  const rule = `\n\n${'-'.repeat(78)}\n\n`
  const sections = [
    ...extra.map((e) => `${e.title}\n\n${e.text.trim()}`),
    ...[...new Set(packageDirs)].sort().map(entry),
  ]
  return `${[
    'Third-party software in tq-conn-netscout-aed, with the licenses it is distributed under.',
    ...sections,
  ].join(rule)}\n`
}
