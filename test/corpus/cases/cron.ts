/**
 * `--cron SCHEDULE`: schedules crontab would misread (field counts, ranges, `%`, names, words that
 * would inject into the line) and values that cannot go into the `bash -c "…"` line. Exit 2, and
 * no cron file: TQ_CRON_DIR is the case's config dir, where any file left fails the case.
 */
import type { CorpusCase } from '../run-case.js'

const cronDir = (ctx: { configDir: string }) => ({ TQ_CRON_DIR: ctx.configDir })

const FIELD_COUNT: [string, number][] = [
  ['0 */2 * *', 4],
  ['0 0 */2 * * *', 6],
  ['*', 1],
  ['* * * * * * *', 7],
  ['0 0 * * *\n* * * * *', 10],
  ['0 0 * * * ; rm -rf /', 9],
  ['0 0 * * * root', 6],
  ['@reboot', 1],
  ['@every 5m', 2],
  ['@hourly extra', 2],
]

const OUT_OF_RANGE: string[] = [
  '60 * * * *',
  '* 24 * * *',
  '* * 32 * *',
  '* * 0 * *',
  '* * * 13 *',
  '* * * 0 *',
  '* * * * 8',
  '-1 * * * *',
  '99999999999 * * * *',
  '5-70 * * * *',
]

const NOT_CRON: string[] = [
  '1.5 * * * *',
  '* * * foo *',
  '* * * * funday',
  '* * * mon *',
  '* * * * jan',
  '0 0 * * $(id)',
  "0 0 * * '1'",
  '0 0 * * `id`',
  '0 0 * * "1"',
  'a b c d e',
]

const PERCENT: string[] = ['0 0 * * *%', '%', '0 0 1% * *', '0 %0 * * *']

export const CRON: CorpusCase[] = [
  ...FIELD_COUNT.map(([schedule, fields]): CorpusCase => ({
    name: `--cron with ${String(fields)} field(s): ${JSON.stringify(schedule)}`,
    argv: ['--cron', schedule],
    env: cronDir,
    expect: {
      code: 2,
      stderr: new RegExp(`has ${String(fields)} field\\(s\\); crontab needs exactly 5`),
    },
  })),
  ...[...OUT_OF_RANGE, ...NOT_CRON].map((schedule): CorpusCase => ({
    name: `--cron ${JSON.stringify(schedule)} (crontab cannot read it)`,
    argv: ['--cron', schedule],
    env: cronDir,
    expect: { code: 2, stderr: /^tq-conn-netscout-aed: cron schedule ".*": \S/ },
  })),
  ...PERCENT.map((schedule): CorpusCase => ({
    name: `--cron with % ${JSON.stringify(schedule)}`,
    argv: ['--cron', schedule],
    env: cronDir,
    expect: { code: 2, stderr: /"%" is not allowed in a schedule/ },
  })),
  {
    name: '--cron with an instance name cron.d would ignore (a dot)',
    instance: 'with.dot',
    argv: ['--cron', '0 * * * *'],
    env: cronDir,
    expect: { code: 2, stderr: /cannot be a cron.d file name/ },
  },
  {
    name: '--cron with a config directory holding a quote',
    argv: (ctx) => ['--cron', '0 * * * *', '-c', `${ctx.configDir}/it's`],
    env: cronDir,
    expect: { code: 2, stderr: /config directory ".*" contains quotes/ },
  },
  {
    name: '--cron with a config directory holding a $',
    argv: (ctx) => ['--cron', '0 * * * *', '-c', `${ctx.configDir}/$HOME`],
    env: cronDir,
    expect: { code: 2, stderr: /config directory ".*" contains quotes, "\$"/ },
    spawn: true,
  },
]
