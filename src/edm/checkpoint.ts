/**
 * Where the EDM import stopped: the latest record time read and the ids read at that time. EDM
 * stamps records in whole seconds, so many share a time; the next run asks from that time again
 * (EDM's `start` is inclusive) and drops the ids it already has, so none is lost or read twice.
 */

export interface EdmCheckpoint {
  version: 1
  /** Epoch ms of the latest record read. */
  time: number
  /** `_id`s of the records read at exactly `time`. */
  ids: string[]
}

export interface Stamped {
  /** Epoch ms. */
  time: number
  id: string
}

/** True when the checkpoint already covers this record. */
export function covered(checkpoint: EdmCheckpoint | undefined, record: Stamped): boolean {
  if (checkpoint === undefined) return false
  return (
    record.time < checkpoint.time ||
    (record.time === checkpoint.time && checkpoint.ids.includes(record.id))
  )
}

/**
 * The checkpoint after `records` were read (in any order): a later time starts a new id list, the
 * same time adds to it, an earlier time changes nothing. Pure: returns a new checkpoint.
 */
export function advance(
  checkpoint: EdmCheckpoint | undefined,
  records: Iterable<Stamped>,
): EdmCheckpoint | undefined {
  let time = checkpoint?.time
  let ids: Set<string> | undefined = checkpoint === undefined ? undefined : new Set(checkpoint.ids)
  for (const r of records) {
    if (time === undefined || r.time > time) {
      time = r.time
      ids = new Set([r.id])
    } else if (r.time === time) ids?.add(r.id)
  }
  if (time === undefined || ids === undefined) return undefined
  return { version: 1, time, ids: [...ids] }
}

/** A stored checkpoint, or undefined when it is not one (the run then starts from its lookback). */
export function readCheckpoint(data: unknown): EdmCheckpoint | undefined {
  const d = data as Partial<EdmCheckpoint> | null | undefined
  if (
    d?.version !== 1 ||
    typeof d.time !== 'number' ||
    !Number.isFinite(d.time) ||
    !Array.isArray(d.ids) ||
    !d.ids.every((id) => typeof id === 'string')
  )
    return undefined
  return { version: 1, time: d.time, ids: [...d.ids] }
}
