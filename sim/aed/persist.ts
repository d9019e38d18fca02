/** aed-sim's `--data-dir`: its AedState in one snapshot file (sim/common/persist.ts). */
import { SnapshotFile } from '../common/persist.js'
import type { AedState } from './state.js'

export const SNAPSHOT_FILE = 'aed-sim.json'

export class Persistence extends SnapshotFile {
  constructor(dir: string, state: AedState, delayMs?: number) {
    super(dir, SNAPSHOT_FILE, state, delayMs)
  }
}
