/**
 * The first half of a sync run (docs/architecture.md, "The export ledger"): read the data
 * collection's membership cheaply (scan.ts), fetch the related objects it reaches
 * (fetch-related.ts), and mark in the ledger what AED should hold (link.ts). What is marked
 * wanted and differs from the ledger is to be sent; what the ledger holds live and is not marked
 * wanted is to be revoked (revoke.ts). Nothing is sent here.
 */
import { fetchRelated } from './fetch-related.js'
import type { Ledger } from './ledger.js'
import { planLinks } from './link.js'
import { scanMembers } from './scan.js'
import { emptyPlan, type PlanDeps, type PlanSettings, type SyncPlan } from './sync-plan.js'

export async function planSync(
  deps: PlanDeps,
  ledger: Ledger,
  settings: PlanSettings,
): Promise<SyncPlan> {
  const plan = emptyPlan()
  const found = await scanMembers(deps, ledger, settings, plan)
  if (settings.depth > 0)
    await fetchRelated(
      deps.threatq,
      deps.summary,
      plan.related,
      [...found.level1.values()],
      1,
      settings.depth,
    )
  const unseen = found.unseen + planLinks(ledger, plan, found.links, settings, deps.summary)
  // Room for them now, in one step, rather than growing while the run sends (docs/performance.md).
  ledger.objects.reserve(unseen)
  return plan
}
