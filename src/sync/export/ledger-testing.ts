/** An export ledger for unit tests: in memory, never opened or saved (its files are not used). */
import { Ledger, type LedgerUpdate } from './ledger.js'

export function memoryLedger(host = 'tq.example', ...updates: LedgerUpdate[]): Ledger {
  const ledger = Ledger.empty(
    { file: 'unused.ledger', journal: 'unused.ledger.journal' },
    { aed: 'aed.example', collection: 'c1', stixVersion: '2.1', host },
  )
  for (const update of updates) ledger.apply(update)
  return ledger
}
