/** The `threatq-sim` command line (docs/sim-threatq.md) turned into createThreatqSim options. */
import { ArgumentParser } from 'argparse'
import { addServerArguments, readFaults } from '../common/cli.js'
import { DEFAULT_CLIENT, DEFAULT_USER, type ThreatqSimOptions } from './app.js'
import { DEFAULT_TOKEN_TTL_SECONDS } from './auth.js'
import { DEFAULT_COLLECTION } from './seed.js'

export interface ThreatqArgs {
  host: string
  port: number
  tls: boolean
  user: string
  password: string
  client_id: string
  client_secret: string
  token_ttl: number
  seed_indicators: number
  collection: string
  faults: string | undefined
  data_dir: string | undefined
  with_underscore_bug: boolean
  value_refs: boolean
}

export function buildThreatqParser(): ArgumentParser {
  const parser = new ArgumentParser({
    prog: 'threatq-sim',
    description:
      'A local stand-in for the ThreatQ platform API (tokens, Threat Library objects, ' +
      'relationships, data collections, connector records) plus a test-only admin surface ' +
      'under /_sim/. See docs/sim-threatq.md.',
    epilog: 'Prints {"ready":true,"url":"..."} on stdout once listening.',
  })
  addServerArguments(parser)
  parser.add_argument('--user', {
    default: DEFAULT_USER.email,
    metavar: 'EMAIL',
    help: 'user e-mail for the password grant',
  })
  parser.add_argument('--password', {
    default: DEFAULT_USER.password,
    metavar: 'P',
    help: "that user's password",
  })
  parser.add_argument('--client-id', {
    default: DEFAULT_USER.clientId,
    metavar: 'ID',
    help: "that user's API client id (sent with the password grant; also the OAuth client id of the client_credentials grant)",
  })
  parser.add_argument('--client-secret', {
    default: DEFAULT_CLIENT.clientSecret,
    metavar: 'S',
    help: 'secret of the client_credentials grant (HTTP Basic client-id:secret)',
  })
  parser.add_argument('--token-ttl', {
    type: 'int',
    default: DEFAULT_TOKEN_TTL_SECONDS,
    metavar: 'SECONDS',
    help: `access token lifetime, expires_in (default ${String(DEFAULT_TOKEN_TTL_SECONDS)})`,
  })
  parser.add_argument('--seed-indicators', {
    type: 'int',
    default: 0,
    metavar: 'N',
    help: 'seed N indicators with related objects, sources, attributes and a saved search',
  })
  parser.add_argument('--collection', {
    default: DEFAULT_COLLECTION,
    metavar: 'NAME',
    help: `name of the seeded data collection (default "${DEFAULT_COLLECTION}")`,
  })
  parser.add_argument('--faults', {
    metavar: 'SPEC',
    help: 'JSON array of fault rules, or @file holding one',
  })
  parser.add_argument('--data-dir', {
    metavar: 'DIR',
    help: 'load state from DIR at start, save it there after changes and on exit',
  })
  // The harsher variants are the defaults; these flags choose the lenient ones.
  parser.add_argument('--with-underscore-bug', {
    dest: 'with_underscore_bug',
    action: 'store_true',
    default: true,
    help: 'answer 500 to with= naming collections with "_" (attack_pattern), like real servers (default)',
  })
  parser.add_argument('--no-with-underscore-bug', {
    dest: 'with_underscore_bug',
    action: 'store_false',
    help: 'serve with=attack_pattern like any other relation (lenient)',
  })
  parser.add_argument('--value-refs', {
    dest: 'value_refs',
    action: 'store_true',
    default: false,
    help: 'honour {value, type} indicator refs in event items (lenient; by default they are ignored)',
  })
  return parser
}

export function threatqOptionsFrom(args: ThreatqArgs): ThreatqSimOptions {
  return {
    users: [{ email: args.user, password: args.password, clientId: args.client_id }],
    clients: [{ clientId: args.client_id, clientSecret: args.client_secret }],
    tokenTtlSeconds: args.token_ttl,
    seedIndicators: args.seed_indicators,
    collection: args.collection,
    faults: readFaults(args.faults),
    withUnderscoreBug: args.with_underscore_bug,
    valueRefs: args.value_refs,
  }
}
