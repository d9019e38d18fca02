/**
 * The release artifacts (scripts/release.mjs, docs/release.md), built from the dist/ that
 * `npm test`'s pretest made:
 * - the single executable runs with no `node` on PATH, and the e2e smoke flows (first run,
 *   export, import) pass through it;
 * - the npm package installs with --offline and an empty cache, and exports against the simulators;
 * - building again gives the same JS bundle and the same SHA256SUMS.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startProcess, tempDir } from '../../sim/world/processes.js'
import { startWorld, type World } from '../../sim/world/world.js'

const NAME = 'tq-conn-netscout-aed'
const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
const EXE = `${NAME}-${version}-linux-x64`

function sh(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`)
  return result.stdout
}

/** Runs a command to its end; the connector's own streams, with this env only. */
async function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await startProcess(command, args, { env }).result
  return { code, stdout, stderr }
}

const sha256 = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex')

/** The JS bundle's files under a build root, with their hashes. */
function bundleSums(root: string): string {
  const files = [
    `src/cli/${NAME}.mjs`,
    ...readdirSync(join(root, 'src/cli/chunks'))
      .sort()
      .map((f) => `src/cli/chunks/${f}`),
    `sea/${NAME}.cjs`,
    'THIRD-PARTY-LICENSES.txt',
  ]
  return files.map((f) => `${sha256(join(root, f))}  ${f}\n`).join('')
}

describe('release artifacts', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
  let out: string
  let unpacked: string
  before(async () => {
    out = join(await tempDir('tq-release-'), 'release')
    sh(process.execPath, ['scripts/release.mjs', '--out', out])
    unpacked = join(await tempDir('tq-unpacked-'))
    sh('tar', ['xzf', join(out, `${EXE}.tar.gz`), '-C', unpacked])
  })

  it('are the executable, its tarball, the npm package and SHA256SUMS of the three', () => {
    assert.deepEqual(readdirSync(out).sort(), [
      'SHA256SUMS',
      EXE,
      `${EXE}.tar.gz`,
      `${NAME}-${version}.tgz`,
    ].sort())
    sh('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out })
    const listing = sh('tar', ['tzf', `${EXE}.tar.gz`], { cwd: out }).split('\n').filter(Boolean)
    assert.deepEqual(listing.sort(), [
      `${EXE}/`,
      `${EXE}/LICENSE`,
      `${EXE}/README.md`,
      `${EXE}/SHA256SUMS`,
      `${EXE}/THIRD-PARTY-LICENSES.txt`,
      `${EXE}/${NAME}`,
    ])
  })

  it("pass README's Install check as written, run where the tarball was unpacked", async () => {
    const install = /## Install[\s\S]*?```sh\n([\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'))?.[1]
    const lines = (install ?? '')
      .split('\n')
      .filter((l) => /^(tar|sha256sum) /.test(l))
      .map((l) => l.replaceAll('<version>', version))
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      ['tar', 'sha256sum'],
    )
    const here = await tempDir('tq-readme-install-')
    sh('cp', [join(out, `${EXE}.tar.gz`), here])
    const [untar, check] = lines
    sh('sh', ['-c', untar ?? ''], { cwd: here })
    assert.match(sh('sh', ['-c', check ?? ''], { cwd: here }), new RegExp(`^${EXE}/${NAME}: OK$`, 'm'))
  })

  it('credit every bundled package and the Node.js runtime', () => {
    const text = readFileSync(join(unpacked, EXE, 'THIRD-PARTY-LICENSES.txt'), 'utf8')
    assert.match(text, new RegExp(`^Node\\.js ${process.version.replace(/\./g, '\\.')} \\(MIT\\)`, 'm'))
    const bundled = JSON.parse(readFileSync('dist/bundled-packages.json', 'utf8')) as string[]
    assert.ok(bundled.includes('node_modules/pino-pretty'), 'pino-pretty is bundled, not loaded')
    for (const dir of bundled) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string
        version: string
      }
      assert.ok(text.includes(`\n${pkg.name}@${pkg.version} (`), `${pkg.name} is credited`)
    }
  })

  it('the executable runs with no node on PATH and tells its version, commit and runtime', () => {
    const exe = join(out, EXE)
    const result = spawnSync(exe, ['--version'], { encoding: 'utf8', env: { PATH: '/nonexistent' } })
    assert.equal(result.status, 0, result.stderr)
    const [first, commit, runtime] = result.stdout.trimEnd().split('\n')
    assert.equal(first, `${NAME} ${version}`)
    assert.match(commit ?? '', /^commit ([0-9a-f]{12}(-dirty)?|unknown)$/)
    assert.equal(runtime, `Node.js ${process.version} (single executable)`)
    const help = spawnSync(exe, ['--help'], { encoding: 'utf8', env: {} })
    assert.equal(help.status, 0)
    assert.match(help.stdout, /^usage: tq-conn-netscout-aed /)
  })

  it(
    'the container root filesystem (Containerfile) runs the executable as user 10001 with nothing else',
    { skip: process.getuid?.() !== 0 ? 'chroot needs root' : false },
    async () => {
      const context = join(await tempDir('tq-container-'), 'ctx')
      sh('bash', ['scripts/container-context.sh', context], {
        env: { ...process.env, TQ_RELEASE_DIR: out },
      })
      // By its path: the executable inside gets an empty environment.
      const chroot = sh('bash', ['-c', 'command -v chroot']).trim()
      const result = spawnSync(
        chroot,
        ['--userspec=10001:10001', join(context, 'rootfs'), '/usr/local/bin/tq-conn-netscout-aed', '--version'],
        { encoding: 'utf8', env: {} },
      )
      assert.equal(result.status, 0, result.stderr)
      assert.match(result.stdout, /\(single executable\)/)
    },
  )

  it('passes the e2e smoke flows (first run, export, import) through the executable', () => {
    const files = ['first-run', 'export', 'import'].map((f) => `dist/test/e2e/${f}.test.js`)
    // A run of its own with its own report, not a child of this test runner.
    const { NODE_TEST_CONTEXT: _child, ...env } = process.env
    const result = spawnSync(
      process.execPath,
      ['--enable-source-maps', '--test', '--test-reporter=tap', ...files],
      {
        encoding: 'utf8',
        env: { ...env, TQ_CONNECTOR_EXE: join(out, EXE) },
        timeout: 280_000,
      },
    )
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`)
    const passed = Number(/^# pass (\d+)$/m.exec(result.stdout)?.[1] ?? 0)
    assert.ok(passed >= 20, `only ${String(passed)} tests ran:\n${result.stdout}`)
    assert.match(result.stdout, /^# fail 0$/m)
  })

  describe('the npm package, installed offline with an empty cache', () => {
    let world: World
    let prefix: string
    let bin: string
    let env: Record<string, string>
    before(async () => {
      const root = await tempDir('tq-offline-')
      prefix = join(root, 'prefix')
      const cache = join(root, 'empty-cache')
      await mkdir(cache)
      sh('npm', [
        'install',
        '--global',
        '--offline',
        '--prefix',
        prefix,
        '--cache',
        cache,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        join(out, `${NAME}-${version}.tgz`),
      ])
      bin = join(prefix, 'bin', NAME)
      // Only the installed package: no node_modules of the repository anywhere on the way.
      env = { PATH: process.env.PATH ?? '', TZ: 'UTC', NODE_PATH: '' }
      world = await startWorld({ seed: 30 })
    })
    after(async () => {
      await world.stop()
    })

    it('installs only the bundle: no dependencies, no simulators', () => {
      const pkgDir = join(prefix, 'lib', 'node_modules', NAME)
      assert.deepEqual(readdirSync(pkgDir).sort(), [
        'LICENSE',
        'README.md',
        'dist',
        'docs',
        'package.json',
      ])
      assert.equal(existsSync(join(pkgDir, 'node_modules')), false)
      assert.equal(existsSync(join(pkgDir, 'dist', 'sim')), false)
      assert.equal(existsSync(join(prefix, 'bin', 'aed-sim')), false)
    })

    it('runs --help, the first run and an export against the simulators', async () => {
      const help = await run(bin, ['--help'], env)
      assert.equal(help.code, 0, help.stderr)
      assert.match(help.stdout, /^usage: tq-conn-netscout-aed /)
      const first = await run(bin, ['-c', world.configDir, '--non-interactive'], {
        ...env,
        ...world.env,
      })
      assert.equal(first.code, 4, first.stderr)
      await world.enable()
      const exported = await run(bin, ['-c', world.configDir, '-e'], env)
      assert.equal(exported.code, 0, exported.stderr)
      assert.match(exported.stdout, /sent:\s+.*indicator [1-9]/)
    })
  })

  it('is reproducible: the JS bundle and every artifact are byte-identical when built again', async () => {
    // Two bundles into two directories: no path, time or order of the build gets in.
    const [one, two] = [await tempDir('tq-rebuild-'), await tempDir('tq-rebuild-')]
    for (const dir of [one, two]) sh(process.execPath, ['scripts/bundle.mjs', '--out', dir])
    assert.equal(bundleSums(two), bundleSums(one))
    // The executable, the tarball and the npm package, again from dist/.
    const again = await tempDir('tq-rebuild-')
    const out2 = join(again, 'release')
    sh(process.execPath, ['scripts/release.mjs', '--out', out2])
    assert.equal(readFileSync(join(out2, 'SHA256SUMS'), 'utf8'), readFileSync(join(out, 'SHA256SUMS'), 'utf8'))
  })
})
