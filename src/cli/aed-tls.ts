/**
 * The TLS settings for AED (and EDM, which -d covers too), and the one warning a run gives when
 * -d/--disable-ssl turns the certificate check off: on stderr, where a person or cron's mail sees
 * it, and in the log file. With the log on the console the stderr line is the warning, not twice.
 */
import type { Options } from '../config/options.js'
import type { TlsOptions } from '../http/dispatcher.js'
import type { Logger } from '../log/logger.js'
import type { CliArgs } from './args.js'
import type { CommandIo } from './io.js'

const NO_CERTIFICATE_CHECK =
  "-d/--disable-ssl: AED's TLS certificate is not checked (nor EDM's): anyone on the way to it can pose as the AED; set aed_ca_file to its CA certificate (PEM) and drop -d"

/** AED's TLS settings; call once per run: with -d it warns each time it is called. */
export function aedTlsOf(
  args: Pick<CliArgs, 'disable_ssl' | 'loglocation'>,
  options: Pick<Options, 'aed_ca_file'>,
  io: Pick<CommandIo, 'stderr'>,
  logger: Logger,
): TlsOptions {
  if (args.disable_ssl) {
    io.stderr(`warning: ${NO_CERTIFICATE_CHECK}\n`)
    if (args.loglocation !== 'stdout')
      logger.warn({ option: '-d/--disable-ssl' }, NO_CERTIFICATE_CHECK)
  }
  return {
    verify: !args.disable_ssl,
    ...(options.aed_ca_file === undefined ? {} : { caFile: options.aed_ca_file }),
  }
}
