/**
 * `<name>.audit.jsonl` beside the instance's config: the audit trail's lines (trail.ts), 0600,
 * opened through secure-file.ts's append rules (no links, a regular file of ours). Rotated by
 * size: when a line would take the file past `maxBytes`, it becomes `.1`, `.1` becomes `.2` …
 * and the oldest past `keep` is deleted, so the trail takes at most (keep + 1) × maxBytes.
 * Opened at the first record: a run that blocks and refuses nothing creates no file.
 */
import { closeSync, fstatSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { appendPrivateSync } from '../config/secure-file.js'
import { auditLine, type AuditEvent, type AuditSink, NO_AUDIT, teeAudit } from './trail.js'

export const AUDIT_DEFAULTS = { maxBytes: 10 * 1024 * 1024, keep: 5 } as const

export interface AuditFileOptions {
  path: string
  runId: string
  now: () => Date
  /** Rotate when a line would take the file past this size (`limits.audit_file_mib`). */
  maxBytes: number
  /** Rotated files kept, `.1` the newest (`limits.audit_files`). */
  keep: number
}

export class AuditFile implements AuditSink {
  private fd: number | undefined
  private size = 0

  constructor(private readonly options: AuditFileOptions) {}

  /**
   * Appends one line, synchronously: it is called once AED acknowledged a change, and the line
   * must be on disk before the next batch is sent, whatever ends the run afterwards.
   */
  record(event: AuditEvent): void {
    const line = Buffer.from(auditLine(event, this.options.now(), this.options.runId))
    let fd = this.open()
    if (this.size > 0 && this.size + line.length > this.options.maxBytes) {
      this.rotate()
      fd = this.open()
    }
    writeSync(fd, line)
    this.size += line.length
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  private open(): number {
    if (this.fd === undefined) {
      this.fd = appendPrivateSync(this.options.path)
      this.size = fstatSync(this.fd).size
    }
    return this.fd
  }

  /** Renames shift a link or a foreign file along, never into: each is opened only as `path`. */
  private rotate(): void {
    this.close()
    const { path, keep } = this.options
    const name = (i: number): string => (i === 0 ? path : `${path}.${String(i)}`)
    ignoreMissing(() => {
      unlinkSync(name(keep))
    })
    for (let i = keep - 1; i >= 0; i--)
      ignoreMissing(() => {
        renameSync(name(i), name(i + 1))
      })
  }
}

function ignoreMissing(work: () => void): void {
  try {
    work()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/**
 * The audit sink of one run: the file (not for a dry run: it changes nothing) and `tally` (the
 * run's metrics). `limits`: the config file's `limits:`.
 */
export function runAudit(
  file: Omit<AuditFileOptions, 'maxBytes' | 'keep'>,
  limits: { audit_file_mib?: number | undefined; audit_files?: number | undefined } | undefined,
  dryRun: boolean,
  tally: AuditSink,
): { audit: AuditSink; close(): void } {
  if (dryRun) return { audit: NO_AUDIT, close: () => undefined }
  const trail = new AuditFile({
    ...file,
    maxBytes:
      limits?.audit_file_mib === undefined
        ? AUDIT_DEFAULTS.maxBytes
        : Math.round(limits.audit_file_mib * 1024 * 1024),
    keep: limits?.audit_files ?? AUDIT_DEFAULTS.keep,
  })
  return {
    audit: teeAudit(trail, tally),
    close: () => {
      trail.close()
    },
  }
}
