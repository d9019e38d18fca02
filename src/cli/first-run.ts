/**
 * First-run answers (DESIGN §2.2): prompted in a terminal (masked password), read from
 * THREATQ_* variables otherwise. Never waits on a prompt without a terminal.
 */
import { ConfigError } from '../errors.js'

export interface FirstRunAnswers {
  /** Empty: take THREATQ_HOST at run time (ThreatQ v6). */
  host: string
  clientId: string
  username: string
  password: string
  status: string
}

const ENV: Record<keyof FirstRunAnswers, string> = {
  host: 'THREATQ_HOST',
  clientId: 'THREATQ_CLIENT_ID',
  username: 'THREATQ_USERNAME',
  password: 'THREATQ_PASSWORD',
  status: 'THREATQ_STATUS',
}

export function answersFromEnv(env: Readonly<Record<string, string | undefined>>): FirstRunAnswers {
  const value = (k: keyof FirstRunAnswers): string => env[ENV[k]]?.trim() ?? ''
  const required: (keyof FirstRunAnswers)[] = ['host', 'clientId', 'username', 'password', 'status']
  const missing = required.filter((k) => value(k) === '').map((k) => ENV[k])
  if (missing.length > 0)
    throw new ConfigError(
      `first run without a terminal: set ${missing.join(', ')} (or run once in a terminal to be asked)`,
    )
  return {
    host: value('host'),
    clientId: value('clientId'),
    username: value('username'),
    password: env.THREATQ_PASSWORD ?? '',
    status: value('status'),
  }
}

const nonEmpty = (v: string): true | string => (v.trim() === '' ? 'required' : true)

export async function promptAnswers(
  env: Readonly<Record<string, string | undefined>>,
): Promise<FirstRunAnswers> {
  // Loaded only for a first run in a terminal: the prompts are a slow import every run would pay.
  const { input, password } = await import('@inquirer/prompts')
  const host = await input({ message: 'ThreatQ Host (blank: use $THREATQ_HOST)' })
  if (host.trim() === '' && (env.THREATQ_HOST ?? '').trim() === '')
    throw new ConfigError('ThreatQ Host left blank and THREATQ_HOST is not set')
  return {
    host: host.trim(),
    clientId: (await input({ message: 'ThreatQ Client ID', validate: nonEmpty })).trim(),
    username: (await input({ message: 'ThreatQ Username (e-mail)', validate: nonEmpty })).trim(),
    password: await password({ message: 'ThreatQ Password', mask: '*', validate: nonEmpty }),
    status: (
      await input({ message: 'Status of created objects', default: 'Review', validate: nonEmpty })
    ).trim(),
  }
}

/**
 * After ThreatQ refused the login, which does not say which answer was wrong: the client id and
 * username again (the last answers as defaults: Enter keeps them), and the password.
 */
export async function promptLogin(
  last: Pick<FirstRunAnswers, 'clientId' | 'username'>,
): Promise<Pick<FirstRunAnswers, 'clientId' | 'username' | 'password'>> {
  const { input, password } = await import('@inquirer/prompts')
  const username = last.username
  return {
    clientId: (
      await input({ message: 'ThreatQ Client ID', default: last.clientId, validate: nonEmpty })
    ).trim(),
    username: (
      await input({ message: 'ThreatQ Username (e-mail)', default: username, validate: nonEmpty })
    ).trim(),
    password: await password({ message: 'ThreatQ Password', mask: '*', validate: nonEmpty }),
  }
}
