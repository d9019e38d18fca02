/**
 * What `--version` prints: the package version and the git commit, baked into the bundles at build
 * time (scripts/bundle.mjs defines TQ_BUILD), and the Node.js runtime the command runs on — the
 * one embedded in the single executable, or the host's `node`. The unbundled tsc output (tests,
 * development) reads package.json instead and says the commit is unknown.
 */
import { readFileSync } from 'node:fs'
import { isSea } from 'node:sea'

export interface BuildInfo {
  version: string
  /** `git rev-parse --short=12 HEAD` at build time, `-dirty` appended for uncommitted changes. */
  commit: string
}

declare const TQ_BUILD: BuildInfo | undefined

function unbundled(): BuildInfo {
  // dist/src/version.js → the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return { version: pkg.version, commit: 'unknown (unbundled build)' }
}

export const BUILD: BuildInfo = typeof TQ_BUILD === 'undefined' ? unbundled() : TQ_BUILD

/** Whether this process is the single executable (Node's SEA), not `node <script>`. */
export function runningAsExecutable(): boolean {
  return isSea()
}

/**
 * The `--version` text, one fact a line:
 * `<program> <version>`, `commit <commit>`, `Node.js <v>` (+ ` (single executable)`).
 */
export function versionText(program: string, build: BuildInfo = BUILD): string {
  const runtime = `Node.js ${process.version}${runningAsExecutable() ? ' (single executable)' : ''}`
  return [`${program} ${build.version}`, `commit ${build.commit}`, runtime].join('\n')
}
