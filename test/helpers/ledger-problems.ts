/** One ledger problem of each kind, for the tests of how each ledger tells them. */
import type { LedgerProblem } from '../../src/sync/ledger-file.js'

export const LEDGER_PROBLEMS = {
  lost: { kind: 'lost', detail: 'f is missing' },
  corrupt: { kind: 'corrupt', detail: 'bad', movedTo: 'f.corrupt-1' },
  moved: { kind: 'retargeted', detail: 'of x', movedTo: 'f.retargeted-1' },
} as const satisfies Record<string, LedgerProblem>
