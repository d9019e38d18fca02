/**
 * `--dry-run --output FILE`: what would have been written, as one JSON document
 * `{"export": {"bundles": [...]}, "import": {"indicators": [...], "events": [...]}}`. Streamed to
 * a temporary file and renamed at the end, so a failed run leaves no partial file.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { rename, stat, unlink } from 'node:fs/promises'
import { once } from 'node:events'
import { ConfigError } from '../errors.js'
import type { Secrets } from '../log/secrets.js'

export class DryRunOutput {
  private readonly stream: WriteStream
  private readonly temp: string
  private section: string | undefined
  private first = true
  private sections = 0
  private lists = 0
  private finished = false
  /** A write error (disk full, …): the run fails with it instead of crashing the process. */
  private failure: Error | undefined

  private constructor(
    private readonly path: string,
    temp: string,
    stream: WriteStream,
    private readonly secrets: Secrets,
  ) {
    this.temp = temp
    this.stream = stream
    this.stream.on('error', (error) => {
      this.failure ??= error
    })
    this.stream.write('{')
  }

  /**
   * Opens the temporary file beside `path`. A path that cannot be written (missing directory, a
   * directory itself) is a usage error found before the run starts, not a crash at its end.
   * `secrets`: the run's registry; every write is scrubbed (secrets never reach a file).
   */
  static async open(path: string, secrets: Secrets): Promise<DryRunOutput> {
    const problem = (detail: string, cause?: unknown): ConfigError =>
      new ConfigError(`--output ${JSON.stringify(path)}: ${detail}`, { cause })
    const existing = await stat(path).catch(() => undefined)
    if (existing?.isDirectory() === true)
      throw problem('is a directory; give a file name (e.g. dry-run.json)')
    const temp = `${path}.${String(process.pid)}.tmp`
    // The name is predictable and --output may be in a directory others write (/tmp): remove
    // whatever is there (a planted symlink goes, never its target), then create the file
    // exclusively ('wx': O_EXCL refuses anything that reappears, a symlink included).
    await unlink(temp).catch(() => undefined)
    const stream = createWriteStream(temp, { mode: 0o600, flags: 'wx' })
    try {
      await once(stream, 'open')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw problem(
        code === 'ENOENT' || code === 'ENOTDIR'
          ? 'its directory does not exist; create it first'
          : `cannot be written (${(error as Error).message})`,
        error,
      )
    }
    return new DryRunOutput(path, temp, stream, secrets)
  }

  private async write(text: string): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    if (!this.stream.write(this.secrets.scrub(text))) await once(this.stream, 'drain')
  }

  /** Starts `"name": {` (closing the previous section). */
  async beginSection(name: string): Promise<void> {
    await this.endSection()
    await this.write(`${this.sections > 0 ? ',' : ''}\n${JSON.stringify(name)}: {`)
    this.sections += 1
    this.section = name
    this.lists = 0
  }

  /** Starts `"name": [` inside the current section. */
  async beginList(name: string): Promise<void> {
    if (this.lists > 0) await this.write('\n]')
    await this.write(`${this.lists > 0 ? ',' : ''}\n${JSON.stringify(name)}: [`)
    this.lists += 1
    this.first = true
  }

  async item(value: unknown): Promise<void> {
    await this.write(`${this.first ? '' : ','}\n${JSON.stringify(value)}`)
    this.first = false
  }

  /** Appends an already-serialised JSON value. */
  async raw(json: string): Promise<void> {
    await this.write(`${this.first ? '' : ','}\n${json}`)
    this.first = false
  }

  private async endSection(): Promise<void> {
    if (this.section === undefined) return
    await this.write(this.lists > 0 ? '\n]}' : '}')
    this.section = undefined
  }

  async commit(): Promise<void> {
    await this.endSection()
    this.stream.end('\n}\n')
    await once(this.stream, 'close')
    if (this.failure !== undefined) throw this.failure
    await rename(this.temp, this.path)
    this.finished = true
  }

  /** Drops the temporary file, unless commit() already put it in place. */
  async abort(): Promise<void> {
    if (this.finished) return
    this.finished = true
    this.stream.destroy()
    await unlink(this.temp).catch(() => undefined)
  }
}
