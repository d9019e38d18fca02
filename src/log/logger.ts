/**
 * The logger every module takes (clients, sync, CLI): a subset of pino's API, so the run's pino
 * logger (src/log/run-logger.ts) fits as is, and a test can pass `silentLogger` or its own.
 */
export interface Logger {
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
}

const ignore = (): void => undefined

export const silentLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore }
