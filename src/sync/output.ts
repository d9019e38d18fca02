/**
 * `--dry-run --output FILE`: what would have been written, as one JSON document
 * `{"export": {"bundles": [...]}, "import": {"indicators": [...], "events": [...]}}`. Streamed to
 * a temporary file and renamed at the end, so a failed run leaves no partial file.
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { rename, unlink } from 'node:fs/promises'
import { once } from 'node:events'

export class DryRunOutput {
  private readonly stream: WriteStream
  private readonly temp: string
  private section: string | undefined
  private first = true
  private sections = 0
  private lists = 0

  constructor(private readonly path: string) {
    this.temp = `${path}.${String(process.pid)}.tmp`
    this.stream = createWriteStream(this.temp, { mode: 0o600 })
    this.stream.write('{')
  }

  private async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, 'drain')
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
    await rename(this.temp, this.path)
  }

  async abort(): Promise<void> {
    this.stream.destroy()
    await unlink(this.temp).catch(() => undefined)
  }
}
