/** edm-sim's `--data-dir`: its EdmState in one snapshot file (sim/common/persist.ts). */
import { SnapshotFile } from '../common/persist.js'
import type { EdmState } from './state.js'

export const EDM_SNAPSHOT_FILE = 'edm-sim.json'

export class Persistence extends SnapshotFile {
  constructor(dir: string, state: EdmState, delayMs?: number) {
    super(dir, EDM_SNAPSHOT_FILE, state, delayMs)
  }
}
