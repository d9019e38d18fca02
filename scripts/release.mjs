// `npm run release` (after `npm run build`): the release artifacts in release/ (or --out DIR).
//
//   tq-conn-netscout-aed-<v>-linux-x64          the single executable (Node 20 SEA + the CJS bundle)
//   tq-conn-netscout-aed-<v>-linux-x64.tar.gz   it, README.md, LICENSE, THIRD-PARTY-LICENSES.txt,
//                                               SHA256SUMS (names <dir>/<file>), in one directory
//   tq-conn-netscout-aed-<v>.tgz                the npm package (installs offline: no dependencies)
//   SHA256SUMS                                  of the three above
//
// Everything is byte-reproducible from the same commit, lockfile and Node.js binary: the SEA blob
// is built without V8's code cache (which V8 does not produce deterministically; TQ_SEA_CODE_CACHE=1
// turns it on for a faster start, at that cost), the tarball has fixed owners, order and times
// (the commit's time, or SOURCE_DATE_EPOCH), gzip without a name or time stamp (docs/release.md).
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { thirdPartyLicenses } from './licenses.mjs'

const NAME = 'tq-conn-netscout-aed'
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

function fail(message) {
  console.error(`release: ${message}`)
  process.exit(1)
}

const outIndex = process.argv.indexOf('--out')
const out = resolve(outIndex === -1 ? 'release' : (process.argv[outIndex + 1] ?? ''))
const { version } = JSON.parse(readFileSync('package.json', 'utf8'))
const platform = `${process.platform}-${process.arch}`
if (platform !== 'linux-x64') fail(`builds linux-x64 executables only, this is ${platform}`)
const seaEntry = resolve(`dist/sea/${NAME}.cjs`)
for (const built of [seaEntry, `dist/src/cli/${NAME}.mjs`, 'dist/THIRD-PARTY-LICENSES.txt'])
  if (!existsSync(built)) fail(`${built} is missing: run \`npm run build\` first`)

// The runtime to embed: this very node, which must be a build with the SEA fuse (nodejs.org's and
// NodeSource's are; some distributions' are not, or link libnode.so).
const runtime = process.execPath
if (!readFileSync(runtime).includes(SEA_FUSE))
  fail(`${runtime} has no SEA fuse: use an official Node.js ${process.version} build`)

/** Node's own license, which the executable must carry. */
function nodeLicense() {
  const candidates = [
    process.env.NODE_LICENSE_FILE,
    join(dirname(runtime), '..', 'LICENSE'),
    join(dirname(runtime), '..', 'share', 'doc', 'nodejs', 'LICENSE'),
    '/usr/share/doc/nodejs/LICENSE',
  ].filter((p) => p !== undefined && p !== '')
  const found = candidates.find((p) => existsSync(p))
  if (found === undefined)
    fail(`Node.js's LICENSE not found (tried ${candidates.join(', ')}); set NODE_LICENSE_FILE`)
  return readFileSync(found, 'utf8')
}

/** Source time for the archive entries: SOURCE_DATE_EPOCH, else the commit's, else 0. */
function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return process.env.SOURCE_DATE_EPOCH
  try {
    return execFileSync('git', ['log', '-1', '--format=%ct'], { encoding: 'utf8' }).trim() || '0'
  } catch {
    return '0'
  }
}

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex')
const sums = (dir, files) => files.map((f) => `${sha256(join(dir, f))}  ${f}\n`).join('')

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options })
  if (result.status !== 0)
    fail(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}${result.stderr}`,
    )
  return result.stdout
}

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const work = mkdtempSync(join(tmpdir(), 'tq-release-'))
try {
  // 1. The SEA preparation blob, then the executable: a copy of node with the blob injected.
  const base = `${NAME}-${version}-linux-x64`
  const exe = join(out, base)
  const blob = join(work, 'sea.blob')
  writeFileSync(
    join(work, 'sea-config.json'),
    JSON.stringify({
      main: seaEntry,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: process.env.TQ_SEA_CODE_CACHE === '1',
    }),
  )
  run(runtime, ['--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work })
  copyFileSync(runtime, exe)
  chmodSync(exe, 0o755)
  // postject's own CLI (LIEF prints harmless "Can't find string offset" warnings; kept quiet).
  run(runtime, [
    resolve('node_modules/postject/dist/cli.js'),
    exe,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    SEA_FUSE,
  ])
  const shown = run(exe, ['--version'], { env: {} })
  if (!shown.includes(`${NAME} ${version}`) || !shown.includes('single executable'))
    fail(`the executable's --version printed:\n${shown}`)

  // 2. The tarball: one directory with the executable under its plain name.
  const stage = join(work, base)
  mkdirSync(stage)
  copyFileSync(exe, join(stage, NAME))
  chmodSync(join(stage, NAME), 0o755)
  copyFileSync('README.md', join(stage, 'README.md'))
  copyFileSync('LICENSE', join(stage, 'LICENSE'))
  const bundled = JSON.parse(readFileSync('dist/bundled-packages.json', 'utf8'))
  writeFileSync(
    join(stage, 'THIRD-PARTY-LICENSES.txt'),
    thirdPartyLicenses(bundled, [
      {
        title: `Node.js ${process.version} (MIT), the runtime inside the executable`,
        text: nodeLicense(),
      },
    ]),
  )
  // Names relative to where the tarball was unpacked, so README's
  // `sha256sum -c <dir>/SHA256SUMS` passes as written, from there.
  const inside = readdirSync(stage).sort()
  writeFileSync(
    join(stage, 'SHA256SUMS'),
    sums(
      work,
      inside.map((f) => `${base}/${f}`),
    ),
  )
  run('tar', [
    '--sort=name',
    `--mtime=@${sourceDateEpoch()}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=u+rw,go+r,go-w',
    '-C',
    work,
    '-cf',
    join(work, `${base}.tar`),
    base,
  ])
  run('gzip', ['-n', '-9', join(work, `${base}.tar`)])
  renameSync(join(work, `${base}.tar.gz`), join(out, `${base}.tar.gz`))

  // 3. The npm package, from what `npm run build` made (no second build).
  const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out])
  const tgz = JSON.parse(packed)[0].filename

  writeFileSync(join(out, 'SHA256SUMS'), sums(out, [base, `${base}.tar.gz`, tgz].sort()))
  const size = (f) => `${(readFileSync(join(out, f)).length / 2 ** 20).toFixed(1)} MiB`
  for (const f of [base, `${base}.tar.gz`, tgz]) console.log(`release: ${f} (${size(f)})`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
