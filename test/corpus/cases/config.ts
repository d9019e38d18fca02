/** A valid `<name>.yaml` for a case, pointing at the case world's ThreatQ simulator. */
import { stringify } from 'yaml'
import { CREDS } from '../../../sim/world/world.js'
import type { CaseContext } from '../run-case.js'

export function configObject(ctx: CaseContext): Record<string, unknown> {
  return {
    format_version: 1,
    threatq: {
      host: ctx.world.threatq.url,
      client_id: CREDS.clientId,
      username: CREDS.user,
      password: CREDS.password,
    },
    status: 'Review',
    options: {},
  }
}

/** The case's config file, with `edit` applied to the valid object first. */
export const configFile =
  (edit: (config: Record<string, unknown>) => void = () => undefined) =>
  (ctx: CaseContext): Record<string, string> => {
    const config = configObject(ctx)
    edit(config)
    return { [`${ctx.name}.yaml`]: stringify(config) }
  }

/** `config.threatq`, for edits. */
export const threatqOf = (config: Record<string, unknown>): Record<string, unknown> =>
  config.threatq as Record<string, unknown>
