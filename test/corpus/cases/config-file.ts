/**
 * `<name>.yaml` as a person may leave it: broken YAML, not a mapping, wrong types, unknown or
 * missing keys, a format version from the future, a directory in its place. Exit 2 with the file
 * and what is wrong, before any network; the file is never rewritten.
 */
import type { CorpusCase } from '../run-case.js'
import { configFile, threatqOf } from './config.js'

const raw =
  (text: string) =>
  (ctx: { name: string }): Record<string, string> => ({ [`${ctx.name}.yaml`]: text })

const BROKEN_YAML: [string, string][] = [
  ['an unclosed flow sequence', 'format_version: 1\nthreatq: [\n'],
  ['an unclosed quote', 'format_version: 1\nstatus: "Review\n'],
  ['tab indentation', 'format_version: 1\nthreatq:\n\thost: x\n'],
  ['duplicate keys', 'format_version: 1\nstatus: a\nstatus: b\n'],
  ['an unclosed mapping', '{format_version: 1, threatq: {host: x}\n'],
  ['a stray colon', 'format_version: 1\n: :\n'],
  ['several documents', 'format_version: 1\n---\nformat_version: 1\n'],
  ['bad indentation', 'format_version: 1\nthreatq:\n  host: x\n client_id: y\n'],
]

const NOT_A_MAPPING: [string, string][] = [
  ['an empty file', ''],
  ['a list', '- format_version\n- 1\n'],
  ['a plain string', 'just some text\n'],
  ['a number', '42\n'],
  ['null', 'null\n'],
]

/** Edits of a valid file that make it invalid, with the message fragment they must produce. */
const INVALID: [string, (c: Record<string, unknown>) => void, RegExp][] = [
  ['format_version from the future', (c) => (c.format_version = 2), /newer than this connector/],
  ['format_version 1.5', (c) => (c.format_version = 1.5), /newer than this connector/],
  ['format_version -1', (c) => (c.format_version = -1), /unknown format_version -1/],
  ['threatq is a string', (c) => (c.threatq = 'tq.example'), /threatq: .*expected object/],
  ['threatq is a list', (c) => (c.threatq = ['a']), /threatq: .*expected object/],
  [
    'client_id is a number',
    (c) => (threatqOf(c).client_id = 123),
    /threatq\.client_id: .*expected string/,
  ],
  ['password is empty', (c) => (threatqOf(c).password = ''), /threatq\.password: /],
  ['username is null', (c) => (threatqOf(c).username = null), /threatq\.username: /],
  ['ca_file is empty', (c) => (threatqOf(c).ca_file = ''), /threatq\.ca_file: /],
  ['host is a mapping', (c) => (threatqOf(c).host = { name: 'x' }), /threatq\.host: /],
  ['status is a list', (c) => (c.status = ['Review']), /status: .*expected string/],
  ['status is blank', (c) => (c.status = '   '), /status: /],
  ['options is a string', (c) => (c.options = 'depth=4'), /options: .*expected record/],
  ['options is a list', (c) => (c.options = [1, 2]), /options: .*expected record/],
  ['an unknown top-level key', (c) => (c.hostname = 'aed'), /unknown key\(s\) hostname/],
  ['a misspelt threatq key', (c) => (threatqOf(c).hostname = 'tq'), /unknown key\(s\) hostname/],
  ['no threatq section', (c) => delete c.threatq, /threatq: /],
  ['no status', (c) => delete c.status, /status: /],
]

export const CONFIG_FILE: CorpusCase[] = [
  ...BROKEN_YAML.map(([what, text]): CorpusCase => ({
    name: `config file with ${what}`,
    files: raw(text),
    expect: {
      code: 2,
      stderr: /netscout-aed\.yaml is not valid YAML: .+ at line \d+, column \d+ — fix the file/,
    },
  })),
  ...NOT_A_MAPPING.map(([what, text]): CorpusCase => ({
    name: `config file that is ${what}`,
    files: raw(text),
    expect: { code: 2, stderr: /netscout-aed\.yaml: expected a mapping of keys/ },
  })),
  ...INVALID.map(([what, edit, stderr]): CorpusCase => ({
    name: `config file with ${what}`,
    files: configFile(edit),
    expect: { code: 2, stderr },
  })),
  {
    name: 'config file with a control character as a key',
    files: raw(`format_version: 1\nstatus: "\u0000\u0001"\n\u0007: x\n`),
    expect: { code: 2, stderr: /unknown key\(s\) "\\u0007"/ },
  },
  {
    name: 'config file with an alias to nothing',
    files: raw('format_version: 1\nstatus: *nope\n'),
    expect: { code: 2, stderr: /is not valid YAML: Unresolved alias .*: nope — fix the file/ },
  },
  {
    name: 'config file that is a directory',
    files: (ctx) => ({ [`${ctx.name}.yaml`]: null }),
    expect: { code: 2, stderr: /netscout-aed\.yaml is not a regular file: .*move it away/ },
  },
  {
    name: 'a version-0 flat file with wrong types',
    files: raw('host: 1\nemail: [x]\npassword: p\nclient_id: c\ndefault_status: Review\n'),
    expect: { code: 2, stderr: /invalid configuration:\n {2}.*threatq\./ },
    spawn: true,
  },
]
