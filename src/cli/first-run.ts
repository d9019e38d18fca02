/**
 * First-run answers (README "First run"): prompted in a terminal (masked password), read from
 * THREATQ_* variables otherwise. Never waits on a prompt without a terminal.
 */
import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import type { InstancePaths } from '../config/instance.js'
import { findLegacyConfig } from '../config/legacy-config.js'
import { ConfigError } from '../errors.js'
import { DEFAULT_NAME } from './args.js'
import type { CommandIo } from './io.js'

export interface FirstRunAnswers {
  /** Empty: take THREATQ_HOST at run time (ThreatQ v6). */
  host: string
  clientId: string
  username: string
  password: string
  status: string
}

/** The status prompt's default, also taken without a terminal when THREATQ_STATUS is unset. */
const DEFAULT_STATUS = 'Review'

const ENV: Record<keyof FirstRunAnswers, string> = {
  host: 'THREATQ_HOST',
  clientId: 'THREATQ_CLIENT_ID',
  username: 'THREATQ_USERNAME',
  password: 'THREATQ_PASSWORD',
  status: 'THREATQ_STATUS',
}

/** The THREATQ_* variables a first run without a terminal still needs. */
function missingAnswers(env: Readonly<Record<string, string | undefined>>): string[] {
  const required: (keyof FirstRunAnswers)[] = ['host', 'clientId', 'username', 'password']
  return required.filter((k) => (env[ENV[k]]?.trim() ?? '') === '').map((k) => ENV[k])
}

export function answersFromEnv(env: Readonly<Record<string, string | undefined>>): FirstRunAnswers {
  const value = (k: keyof FirstRunAnswers): string => env[ENV[k]]?.trim() ?? ''
  const missing = missingAnswers(env)
  if (missing.length > 0)
    throw new ConfigError(
      `first run without a terminal: set ${missing.join(', ')} (or run once in a terminal to be asked)`,
    )
  return {
    host: value('host'),
    clientId: value('clientId'),
    username: value('username'),
    password: env.THREATQ_PASSWORD ?? '',
    // The prompt's default, as the prompt gives it (README "First run").
    status: value('status') || DEFAULT_STATUS,
  }
}

/**
 * Before anything is created, with no `<name>.yaml`: the Python connector's file to migrate, if
 * there is one; else where the first run looked. In a terminal that is said and the first run
 * goes on (creating the directory); without one and without every THREATQ_* answer it is exit 2
 * naming the path and -c, where a typo would otherwise create a directory and fail every cron run.
 */
export async function lookForConfig(
  paths: InstancePaths,
  given: string,
  interactive: boolean,
  io: Pick<CommandIo, 'env' | 'stdout'>,
): Promise<string | undefined> {
  if (await exists(paths.config)) return undefined
  const dirExists = await exists(paths.configDir)
  // The Python connector had one instance: its file is the default instance's, never a new -n's.
  const legacy =
    dirExists && paths.name === DEFAULT_NAME
      ? await findLegacyConfig(paths.configDir)
      : { found: undefined, others: [], unreadable: [] }
  if (legacy.found !== undefined) return legacy.found
  const seen = [
    ...legacy.unreadable.map(
      (p) => `${p} (named for this connector, not a configuration it reads)`,
    ),
    ...legacy.others.map(
      (p) =>
        `${p} (a ThreatQ login; if it is this connector's, copy it to ${join(paths.configDir, 'netscout-1.0.2.yaml')} and run again)`,
    ),
  ]
  const where = `no configuration found: looked for ${paths.config} (-c ${given}${dirExists ? '' : ', a directory that does not exist'})${seen.length > 0 ? `; found ${seen.join(', ')}` : ''}`
  if (interactive) {
    io.stdout(
      `${where}. First run: ${dirExists ? '' : `creating ${paths.configDir}, `}then the questions.\n`,
    )
    return undefined
  }
  const missing = missingAnswers(io.env)
  if (missing.length > 0)
    throw new ConfigError(
      `${where}. Check the -c path; a first run without a terminal needs ${missing.join(', ')} (or run once in a terminal to be asked)`,
      { option: '--config', file: paths.config },
    )
  return undefined
}

async function exists(path: string): Promise<boolean> {
  // Anything but "not there" counts as there: what is at the name is judged where it is read.
  return lstat(path).then(
    () => true,
    (error: unknown) =>
      !['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? ''),
  )
}

const nonEmpty = (v: string): true | string => (v.trim() === '' ? 'required' : true)

/** `interrupt` (SIGINT/SIGTERM from outside the terminal) ends a prompt with AbortPromptError. */
export async function promptAnswers(
  env: Readonly<Record<string, string | undefined>>,
  interrupt?: AbortSignal,
): Promise<FirstRunAnswers> {
  // Loaded only for a first run in a terminal: the prompts are a slow import every run would pay.
  const prompts = await import('@inquirer/prompts')
  const context = interrupt === undefined ? {} : { signal: interrupt }
  const input = (config: Parameters<typeof prompts.input>[0]) => prompts.input(config, context)
  const password = (config: Parameters<typeof prompts.password>[0]) =>
    prompts.password(config, context)
  const host = await input({ message: 'ThreatQ Host (blank: use $THREATQ_HOST)' })
  if (host.trim() === '' && (env.THREATQ_HOST ?? '').trim() === '')
    throw new ConfigError('ThreatQ Host left blank and THREATQ_HOST is not set')
  return {
    host: host.trim(),
    clientId: (await input({ message: 'ThreatQ Client ID', validate: nonEmpty })).trim(),
    username: (await input({ message: 'ThreatQ Username (e-mail)', validate: nonEmpty })).trim(),
    password: await password({ message: 'ThreatQ Password', mask: '*', validate: nonEmpty }),
    status: (
      await input({
        message: 'Status of created objects',
        default: DEFAULT_STATUS,
        validate: nonEmpty,
      })
    ).trim(),
  }
}

/**
 * After ThreatQ refused the login, which does not say which answer was wrong: the client id and
 * username again (the last answers as defaults: Enter keeps them), and the password.
 */
export async function promptLogin(
  last: Pick<FirstRunAnswers, 'clientId' | 'username'>,
  interrupt?: AbortSignal,
): Promise<Pick<FirstRunAnswers, 'clientId' | 'username' | 'password'>> {
  const prompts = await import('@inquirer/prompts')
  const context = interrupt === undefined ? {} : { signal: interrupt }
  const again = (message: string, answer: string) =>
    prompts.input({ message, default: answer, validate: nonEmpty }, context)
  return {
    clientId: (await again('ThreatQ Client ID', last.clientId)).trim(),
    username: (await again('ThreatQ Username (e-mail)', last.username)).trim(),
    password: await prompts.password(
      { message: 'ThreatQ Password', mask: '*', validate: nonEmpty },
      context,
    ),
  }
}
