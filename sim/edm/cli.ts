/** The `edm-sim` command line turned into createEdmSim options. */
import { ArgumentParser } from 'argparse'
import { addServerArguments, readFaults } from '../common/cli.js'
import { EDM_DEFAULTS, type EdmAuth, type EdmSimOptions } from './app.js'
import { httpFeed } from './feed.js'

export interface EdmArgs {
  host: string
  port: number
  tls: boolean
  token: string
  auth: EdmAuth
  aed: string[] | undefined
  max_window: number
  faults: string | undefined
  data_dir: string | undefined
}

export function buildEdmParser(): ArgumentParser {
  const parser = new ArgumentParser({
    prog: 'edm-sim',
    description:
      'A local stand-in for NETSCOUT Edge Defense Manager: GET /api/v1/alerts/threats for the ' +
      'aed-sim instances it manages (their blocked traffic), and a test-only admin surface under ' +
      '/_sim/. Prints one JSON line {"ready":true,"url":...} when listening. See docs/sim-edm.md.',
  })
  addServerArguments(parser)
  parser.add_argument('--token', {
    default: EDM_DEFAULTS.token,
    help: 'the API token EDM accepts',
  })
  parser.add_argument('--auth', {
    choices: ['either', 'new', 'old'],
    default: EDM_DEFAULTS.auth,
    help:
      'which header carries the token: X-Arbux-APIToken (new), Authorization: NSAPITOKENID ' +
      '(old, NETSCOUT clients before 2020) or either (default)',
  })
  parser.add_argument('--aed', {
    action: 'append',
    metavar: 'URL',
    help: 'an aed-sim whose blocked traffic EDM reports (repeat for several)',
  })
  parser.add_argument('--max-window', {
    type: 'int',
    default: EDM_DEFAULTS.maxWindow,
    metavar: 'N',
    help: 'skip + size at most N, as Elasticsearch max_result_window (default %(default)s)',
  })
  parser.add_argument('--faults', {
    metavar: 'SPEC',
    help: 'JSON array of /_sim/faults rules, or @file holding one',
  })
  parser.add_argument('--data-dir', {
    metavar: 'DIR',
    help: 'keep state across restarts in DIR/edm-sim.json',
  })
  return parser
}

export function edmOptionsFrom(args: EdmArgs): EdmSimOptions {
  if (!Number.isInteger(args.max_window) || args.max_window < 1)
    throw new Error(`--max-window must be 1 or more, got ${String(args.max_window)}`)
  return {
    token: args.token,
    auth: args.auth,
    aeds: (args.aed ?? []).map(httpFeed),
    maxWindow: args.max_window,
    ...(args.faults === undefined ? {} : { faults: readFaults(args.faults) }),
  }
}
