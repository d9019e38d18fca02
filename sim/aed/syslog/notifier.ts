/**
 * The appliance's notification queue: Blocked Host notifications, one per blocked connection, and
 * now and then another kind (login, config change, traffic alert), rendered with the destination
 * and format configured when they were queued, sent in batches at a bounded rate, and counted.
 */
import type { RemoteSyslog } from '../routes-remote-syslog.js'
import type { AedState } from '../state.js'
import type { Block } from '../blocks.js'
import {
  blockedHostEvent,
  messageEvent,
  NOTIFICATION_KINDS,
  renderLine,
  type NotificationKind,
  type SyslogEvent,
} from './format.js'
import { SyslogSender, type Framing } from './sender.js'

export type OtherKind = Exclude<NotificationKind, 'blocked-host'>
/** [SIM] SIM-AED-62: the order other kinds come in, after every `otherEvery` blocks. */
export const OTHER_KINDS = [
  'login',
  'config-change',
  'traffic-alert',
] as const satisfies readonly OtherKind[]

export interface NotifierOptions {
  hostname: string
  rt: 'ms' | 's'
  framing: Framing
  /** Messages per second at most; 0 = as fast as the socket takes them. */
  rate: number
  /** Messages handed to the socket per turn. */
  batch: number
  /** After every N Blocked Host notifications, one of another kind; 0 = never. */
  otherEvery: number
  /** A config-change notification for each REST write that changes the configuration. */
  configChanges: boolean
}

/** [SIM] SIM-AED-63: defaults of the `--syslog-*` flags (rt in ms: the harsher for a reader). */
export const NOTIFIER_DEFAULTS: NotifierOptions = {
  hostname: 'aed-sim',
  rt: 'ms',
  framing: 'newline',
  rate: 0,
  batch: 500,
  otherEvery: 20,
  configChanges: true,
}

/** Lines kept for `/_sim/notifications` `recent`. */
const RECENT = 50

interface Pending {
  destination: RemoteSyslog
  event: SyslogEvent
  /** Copies of the same line to send (a flow's connections). */
  count: number
}

export interface NotificationCounts {
  queued: number
  sent: number
  failed: number
  /** Made while no destination was configured (`host` ""): never sent. */
  undelivered: number
  byKind: Record<NotificationKind, number>
  byFormat: Record<RemoteSyslog['format'], number>
  lastError: string | null
  recent: string[]
}

const sameDestination = (a: RemoteSyslog, b: RemoteSyslog): boolean =>
  a.host === b.host &&
  a.port === b.port &&
  a.protocol === b.protocol &&
  a.secure === b.secure &&
  a.format === b.format

const zeroKinds = (): Record<NotificationKind, number> =>
  Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, 0])) as Record<NotificationKind, number>

export class Notifier {
  private readonly sender: SyslogSender
  private queue: Pending[] = []
  private queuedCount = 0
  private pumping: Promise<void> | undefined
  private counts = Notifier.emptyCounts()
  /** Blocked Host notifications made so far, for `otherEvery`. */
  private blockedMade = 0
  /** Other-kind notifications made so far: which kind comes next, and the traffic figure. */
  private othersMade = 0
  /** Configuration changes committed so far (random and REST ones): their numbers. */
  private commits = 0

  constructor(
    private readonly state: AedState,
    private readonly options: NotifierOptions,
  ) {
    if (!Number.isInteger(options.batch) || options.batch < 1)
      throw new Error(`--syslog-batch must be 1 or more, got ${String(options.batch)}`)
    if (!(options.rate >= 0))
      throw new Error(`--syslog-rate must be 0 or more, got ${String(options.rate)}`)
    if (!Number.isInteger(options.otherEvery) || options.otherEvery < 0)
      throw new Error(`--syslog-other-every must be 0 or more, got ${String(options.otherEvery)}`)
    if (!/^[!-~]{1,255}$/.test(options.hostname))
      throw new Error(
        `--hostname must be printable ASCII without spaces, got "${options.hostname}"`,
      )
    this.sender = new SyslogSender(options.framing)
  }

  private static emptyCounts(): NotificationCounts {
    return {
      queued: 0,
      sent: 0,
      failed: 0,
      undelivered: 0,
      byKind: zeroKinds(),
      byFormat: { cef: 0, leef: 0, legacy: 0 },
      lastError: null,
      recent: [],
    }
  }

  /** Back to no counts and an empty queue (`/_sim/reset`); lines on their way still go. */
  reset(): void {
    this.queue = []
    this.queuedCount = 0
    this.counts = Notifier.emptyCounts()
    this.blockedMade = 0
    this.othersMade = 0
    this.commits = 0
  }

  snapshot(): NotificationCounts {
    return { ...this.counts, queued: this.queuedCount, recent: [...this.counts.recent] }
  }

  /** One Blocked Host notification per connection of the block; returns how many were made. */
  blocked(block: Block): number {
    const a = block.alert
    // cs6/cs7 are the AIF rule's (docs/aed-api.md, "Syslog notifications"); a STIX block's
    // threatName stays in the alert.
    const aif = block.source === 'aif'
    const event = blockedHostEvent(
      {
        ...a,
        elementId: block.elementId,
        threatName: aif ? a.threatName : null,
        threatCategory: aif ? a.threatCategory : null,
      },
      a.severity,
      block.timeMs,
    )
    const every = this.options.otherEvery
    let left = block.connections
    let made = 0
    while (left > 0) {
      // Blocked Host lines until the next other-kind one is due.
      const untilOther = every > 0 ? every - (this.blockedMade % every) : left
      const run = Math.min(left, untilOther)
      made += this.push(event, run)
      this.blockedMade += run
      left -= run
      if (every > 0 && this.blockedMade % every === 0)
        made += this.other(OTHER_KINDS[this.othersMade % OTHER_KINDS.length] as OtherKind, 1)
    }
    return made
  }

  /** `count` notifications of another kind, each with its own text. */
  other(kind: OtherKind, count: number): number {
    let made = 0
    for (let i = 0; i < count; i++) {
      const n = this.othersMade++
      made += this.push(this.otherEvent(kind, n), 1)
    }
    return made
  }

  /**
   * A config-change notification for a REST write that changed the configuration (`what`, e.g.
   * `otf/denied-hosts`: config-changes.ts), as AED notifies its configuration changes; apart from
   * the ones `otherEvery` makes.
   */
  configChanged(what: string): number {
    if (!this.options.configChanges) return 0
    // Not one of the now-and-then kinds: their turn stays as it was.
    return this.push(this.otherEvent('config-change', 0, what), 1)
  }

  private otherEvent(kind: OtherKind, n: number, what?: string): SyslogEvent {
    const time = this.state.nowMs()
    if (kind === 'login')
      return messageEvent(
        kind,
        `Username: admin, Subsystem: ui, Message: User admin logged in from 192.0.2.${String((n % 250) + 1)}`,
        5,
        time,
      )
    if (kind === 'config-change')
      return messageEvent(
        kind,
        `Username: admin, Subsystem: config, Message: Configuration change ${String(++this.commits)} committed${what === undefined ? '' : ` (${what})`}`,
        5,
        time,
      )
    const groups = this.state.protectionGroups.all()
    const group = groups[n % Math.max(1, groups.length)]
    const mbps = (10 + ((n * 7919) % 99000) / 100).toFixed(2)
    return messageEvent(
      kind,
      `Traffic to protection group '${group?.name ?? 'Default Protection Group'}' reached ${mbps} Mbps, above its threshold`,
      6,
      time,
    )
  }

  private push(event: SyslogEvent, count: number): number {
    if (count <= 0) return 0
    const destination = { ...this.state.remoteSyslog }
    this.counts.byKind[event.kind] += count
    this.counts.byFormat[destination.format] += count
    if (destination.host === '') {
      this.counts.undelivered += count
      return count
    }
    this.queue.push({ destination, event, count })
    this.queuedCount += count
    this.pumping ??= this.pump().finally(() => {
      this.pumping = undefined
    })
    return count
  }

  /** Resolves when every queued notification has been handed to the network (or failed). */
  async drain(): Promise<NotificationCounts> {
    while (this.pumping !== undefined) await this.pumping
    return this.snapshot()
  }

  private async pump(): Promise<void> {
    const { batch, rate } = this.options
    const started = Date.now()
    let handed = 0
    while (this.queue.length > 0) {
      // Up to `batch` lines for one destination per turn.
      const destination = (this.queue[0] as Pending).destination
      const lines: string[] = []
      while (lines.length < batch) {
        const head = this.queue[0]
        if (head === undefined || !sameDestination(head.destination, destination)) break
        const n = Math.min(head.count, batch - lines.length)
        const line = renderLine(head.event, head.destination.format, this.options)
        for (let i = 0; i < n; i++) lines.push(line)
        this.remember(line)
        head.count -= n
        if (head.count === 0) this.queue.shift()
      }
      this.queuedCount -= lines.length
      const result = await this.sender.send(destination, lines)
      this.counts.sent += result.sent
      this.counts.failed += result.failed
      if (result.error !== undefined) this.counts.lastError = result.error
      handed += lines.length
      // The rate bounds what is handed over since the burst began; without one, other work
      // (HTTP requests) gets a turn between batches.
      const due = rate > 0 ? started + (handed / rate) * 1000 - Date.now() : 0
      await new Promise((resolve) => {
        if (due > 0) setTimeout(resolve, due)
        else setImmediate(resolve)
      })
    }
  }

  private remember(line: string): void {
    this.counts.recent.push(line)
    if (this.counts.recent.length > RECENT) this.counts.recent.shift()
  }

  close(): void {
    this.queue = []
    this.queuedCount = 0
    this.sender.close()
  }
}
