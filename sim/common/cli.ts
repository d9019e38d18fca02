/** Command-line pieces both simulators share. */
import { readFileSync } from 'node:fs'
import type { ArgumentParser } from 'argparse'

/** `--host`, `--port` (0 picks a free one) and `--tls`. */
export function addServerArguments(parser: ArgumentParser): void {
  parser.add_argument('--host', {
    default: '127.0.0.1',
    help: 'address to listen on (default 127.0.0.1)',
  })
  parser.add_argument('--port', {
    type: 'int',
    default: 0,
    help: 'port; 0 (default) picks a free one',
  })
  parser.add_argument('--tls', {
    action: 'store_true',
    help: 'serve HTTPS with the self-signed simulator certificate',
  })
}

/** `--faults`: a JSON array of `/_sim/faults` rules (or one rule), inline or `@file`. */
export function readFaults(spec: string | undefined): unknown[] {
  if (spec === undefined) return []
  const text = spec.startsWith('@') ? readFileSync(spec.slice(1), 'utf8') : spec
  const parsed: unknown = JSON.parse(text)
  return Array.isArray(parsed) ? (parsed as unknown[]) : [parsed]
}
