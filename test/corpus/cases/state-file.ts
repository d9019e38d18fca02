/**
 * `<name>.state.json` damaged: truncated, not JSON, wrong types, a directory. Exit 2 naming the
 * file and the way out (delete it to resync), before any network; the file is left as it was.
 */
import type { CorpusCase } from '../run-case.js'
import { configFile } from './config.js'

const withState =
  (state: string | null) =>
  (ctx: Parameters<ReturnType<typeof configFile>>[0]): Record<string, string | null> => ({
    ...configFile()(ctx),
    [`${ctx.name}.state.json`]: state,
  })

const NOT_JSON: [string, string][] = [
  ['truncated JSON', '{"format_version": 1, "threatq_token": {"access_tok'],
  ['an empty file', ''],
  ['a NUL-filled file', '\u0000'.repeat(64)],
  ['YAML instead of JSON', 'format_version: 1\n'],
  ['a trailing comma', '{"format_version": 1,}'],
]

const WRONG_SHAPE: [string, string][] = [
  ['null', 'null'],
  ['a list', '[]'],
  ['a number', '42'],
  ['a string', '"state"'],
  ['format_version 2', '{"format_version": 2}'],
  ['a token that is a number', '{"threatq_token": {"access_token": 1, "expires_at": "x"}}'],
  ['checkpoint ids that are strings', '{"export": {"ids_at_checkpoint": ["a"]}}'],
  ['an import window that is a word', '{"import": {"until": "yesterday"}}'],
  ['an import window that is a fraction', '{"import": {"until": 1.5}}'],
  ['an export checkpoint that is a number', '{"export": {"updated_since": 5}}'],
  ['an export checkpoint that is not a date', '{"export": {"updated_since": "not a date"}}'],
  ['an import window beyond year 275760', '{"import": {"until": 9007199254740991}}'],
  [
    'a last run with negative counts',
    '{"import": {"last_run": {"at": "x", "fetched": -1, "sent": 0, "rejected": 0}}}',
  ],
]

export const STATE_FILE: CorpusCase[] = [
  ...NOT_JSON.map(([what, text]): CorpusCase => ({
    name: `state file with ${what}`,
    files: withState(text),
    expect: {
      code: 2,
      stderr: /netscout-aed\.state\.json is not valid JSON \(.*\); delete it to resync/,
    },
  })),
  ...WRONG_SHAPE.map(([what, text]): CorpusCase => ({
    name: `state file with ${what}`,
    files: withState(text),
    expect: {
      code: 2,
      stderr:
        /netscout-aed\.state\.json is not a state file this connector understands \(.+\); delete it/,
    },
  })),
  {
    name: 'state file that is a directory',
    files: withState(null),
    expect: { code: 2, stderr: /netscout-aed\.state\.json is not a regular file: .*move it away/ },
    spawn: true,
  },
]
