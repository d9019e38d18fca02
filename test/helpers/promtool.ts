/**
 * Prometheus's own checker, `promtool` (Debian's `prometheus` package; .ci/run installs it).
 * Without it a plain test run skips the tests that need it and says so; with REQUIRE_PROMTOOL=1
 * (CI) that is an error, so CI never passes without the real parser.
 */
import { spawnSync } from 'node:child_process'

const PROMTOOL = process.env.PROMTOOL ?? 'promtool'

const found = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' }).status === 0
if (!found && process.env.REQUIRE_PROMTOOL === '1')
  throw new Error(
    `promtool not found (${PROMTOOL}): install it with apt-get install -y --no-install-recommends prometheus, or set PROMTOOL`,
  )

/** False when promtool is there, else the reason tests print when skipping. */
export const promtoolSkip: string | false = found
  ? false
  : 'promtool not found (apt-get install prometheus); skipped'

export interface PromtoolResult {
  code: number | null
  output: string
}

/** Runs promtool with these arguments (and `stdin`), in `cwd`. */
export function promtool(args: readonly string[], stdin?: string, cwd?: string): PromtoolResult {
  const result = spawnSync(PROMTOOL, args, {
    encoding: 'utf8',
    ...(stdin === undefined ? {} : { input: stdin }),
    ...(cwd === undefined ? {} : { cwd }),
  })
  return { code: result.status, output: `${result.stdout}${result.stderr}` }
}

/** The samples of a text-format file: `name{labels}` → value (labels as written). */
export function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1)))
  }
  return out
}

/** One instance's samples in a metrics file: `at('last_run_exit_code')`, `at('aed_objects', 'type="indicator"')`. */
export function metricsOf(
  text: string,
  connector: string,
): (name: string, labels?: string) => number | undefined {
  const m = samples(text)
  return (name, labels = '') =>
    m.get(
      `tq_conn_netscout_aed_${name}{${labels}${labels === '' ? '' : ','}connector="${connector}"}`,
    )
}
