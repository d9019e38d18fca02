/**
 * `--cron SCHEDULE` (ThreatQ v6): writes /etc/cron.d/<name> ($TQ_CRON_DIR overrides) with one
 * commented-out line for the operator to enable; a rewrite keeps a line the operator enabled. The schedule is checked the way crontab reads
 * it, and nothing from the command line can inject into the line or the file name.
 */
import { Cron } from 'croner'
import { join } from 'node:path'
import { ConfigError } from '../errors.js'
import { readPrivateText, writePrivateFile } from '../fs/secure-file.js'

const FIELD = /^[0-9A-Za-z*,/-]+$/
const NAMES = /[A-Za-z]{3}/g
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
/** What a schedule error concerns, for its log line. */
const CRON_OPTION = { option: '--cron' }
const SPECIAL = ['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually']

/** Returns the schedule normalised to single spaces, or throws with what crontab would do. */
export function validateSchedule(schedule: string): string {
  const trimmed = schedule.trim()
  if (SPECIAL.includes(trimmed.toLowerCase())) return trimmed.toLowerCase()
  if (trimmed.includes('%'))
    throw new ConfigError(
      `cron schedule ${JSON.stringify(schedule)}: "%" is not allowed in a schedule (crontab treats it as a newline)`,
      CRON_OPTION,
    )
  const fields = trimmed.split(/\s+/)
  if (fields.length !== 5)
    throw new ConfigError(
      `cron schedule ${JSON.stringify(schedule)} has ${String(fields.length)} field(s); crontab needs exactly 5: minute hour day-of-month month day-of-week (e.g. "0 */2 * * *")`,
      CRON_OPTION,
    )
  fields.forEach((field, i) => {
    const allowed = i === 3 ? MONTHS : i === 4 ? DAYS : []
    const names = field.match(NAMES) ?? []
    if (
      !FIELD.test(field) ||
      names.some((n) => !allowed.includes(n.toLowerCase())) ||
      /[A-Za-z]/.test(field.replace(NAMES, ''))
    )
      throw new ConfigError(
        `cron schedule ${JSON.stringify(schedule)}: field ${String(i + 1)} "${field}" is not something crontab understands`,
        CRON_OPTION,
      )
  })
  // Day-of-week 7 is Sunday to crontab; croner wants 0-6.
  const forCheck = [...fields.slice(0, 4), fields[4]?.replace(/\b7\b/g, '0') ?? '*'].join(' ')
  try {
    new Cron(forCheck, { paused: true })
  } catch (error) {
    throw new ConfigError(
      `cron schedule ${JSON.stringify(schedule)}: ${(error as Error).message.replace(/^CronPattern: /, '')}`,
      { cause: error, ...CRON_OPTION },
    )
  }
  return fields.join(' ')
}

const PLAIN = /^[A-Za-z0-9_./:@+=,-]+$/
// eslint-disable-next-line no-control-regex -- control characters are what we refuse
const UNSAFE = /["'$`\\\n\r\t\u0000-\u001f\u007f]/

/** A word for the `bash -c "…"` string: quoted when needed, `%` escaped for crontab. */
function word(value: string, what: string, option?: string): string {
  if (UNSAFE.test(value))
    throw new ConfigError(
      `${what} ${JSON.stringify(value)} contains quotes, "$", "\\", a backquote or control characters; it cannot go into a cron line safely`,
      { option },
    )
  const escaped = value.replaceAll('%', '\\%')
  return PLAIN.test(value) ? escaped : `'${escaped}'`
}

const CRON_FILE = /^[A-Za-z0-9_-]+$/

/** cron ignores files in cron.d whose names have a dot (and other characters). */
function checkCronFileName(name: string): void {
  if (!CRON_FILE.test(name))
    throw new ConfigError(
      `instance name "${name}" cannot be a cron.d file name (cron ignores names with "." and other characters): use letters, digits, "_" and "-" with --cron`,
      { option: '--name' },
    )
}

export interface CronLineInput {
  schedule: string
  /** The runtime (`process.execPath`): node, or the single executable itself. */
  nodePath: string
  /** The program: the script node runs, or the single executable (then equal to nodePath). */
  binPath: string
  configDir: string
  /** Added as --name=… when not the default instance. */
  name?: string | undefined
}

/**
 * The cron.d line. `node <script>` from an npm install; the executable's absolute path alone when
 * the program is its own runtime (the single executable: process.execPath is the program).
 */
export function cronLine(input: CronLineInput): string {
  const schedule = validateSchedule(input.schedule)
  // Here too, so that a name the file cannot have is refused before anything else is looked at.
  if (input.name !== undefined) checkCronFileName(input.name)
  const program =
    input.nodePath === input.binPath
      ? [word(input.binPath, 'connector path')]
      : [word(input.nodePath, 'node path'), word(input.binPath, 'connector path')]
  const args = [
    ...program,
    `--config=${word(input.configDir, 'config directory', '--config')}`,
    ...(input.name === undefined ? [] : [`--name=${word(input.name, 'instance name', '--name')}`]),
  ]
  return `#${schedule} root /bin/bash -c "source /etc/env-vars.sh; ${args.join(' ')} > /proc/1/fd/1 2>/proc/1/fd/2"`
}

export interface CronFileWritten {
  path: string
  /** True when a person had enabled the previous line: the new one is enabled too. */
  enabled: boolean
}

/**
 * Whether a cron file we wrote has its job line enabled: any line that is neither blank nor a
 * comment (the header and the commented-out job start with "#").
 */
function isEnabled(text: string): boolean {
  return text.split('\n').some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
}

/**
 * Writes the cron file; returns its path and whether the line is enabled. A rewrite keeps the state a person chose: an enabled line stays
 * enabled (the `#` removed as before), a commented-out one stays commented out.
 */
export async function writeCronFile(
  dir: string,
  name: string,
  line: string,
): Promise<CronFileWritten> {
  checkCronFileName(name)
  const path = join(dir, name)
  try {
    const previous = await readPrivateText(path)
    const enabled = previous !== undefined && isEnabled(previous)
    await writePrivateFile(
      path,
      `# Written by tq-conn-netscout-aed --cron. Remove the leading "#" to enable.\n${enabled ? line.replace(/^#/, '') : line}\n`,
    )
    return { path, enabled }
  } catch (error) {
    // A link or another user's file at the cron file's name: say that, not "run as root".
    if (error instanceof ConfigError) throw error
    throw new ConfigError(
      `cannot write the cron file ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): run as root, or set TQ_CRON_DIR to a directory you can write`,
      { cause: error, file: path },
    )
  }
}
