/**
 * Acknowledgements the service publishes to devices after commit (see
 * devices/README.md): a device keeps each record until its id appears in an
 * ack, which is the end-to-end guarantee a broker's PUBACK cannot give.
 */
import { ackTopic } from '../punches/admit.ts'
import type { CommittedFrame } from './inbox.ts'

export interface AckMessage {
  topic: string
  payload: string
}

/**
 * One ack per device per committed batch: stored and duplicate records as done, refusals with their reason. A record
 * id appears once per ack: refused if any of its readings in the batch was (the first refusal's reason), else done. A
 * batch can hold a re-send of a stored record and a conflicting reuse of its id (record_id_conflict); both lists mean
 * done to the device, and the refusal is what it must hear. (Found by review.)
 */
export function acksFor(batch: CommittedFrame[]): AckMessage[] {
  const byDevice = new Map<string, { siteCode: string; serial: string; done: Set<string>; rejected: Map<string, string> }>()
  for (const c of batch) {
    if (!c.device || c.recordId === undefined) continue
    let entry = byDevice.get(c.device.serial)
    if (!entry) {
      entry = { siteCode: c.device.siteCode, serial: c.device.serial, done: new Set(), rejected: new Map() }
      byDevice.set(c.device.serial, entry)
    }
    if (c.outcome.kind === 'rejected') {
      if (!entry.rejected.has(c.recordId)) entry.rejected.set(c.recordId, c.outcome.reason)
    } else entry.done.add(c.recordId)
  }
  return [...byDevice.values()].map((e) => {
    const recordIds = [...e.done].filter((id) => !e.rejected.has(id))
    const rejected = [...e.rejected].map(([recordId, reason]) => ({ recordId, reason }))
    return { topic: ackTopic(e.siteCode, e.serial), payload: JSON.stringify(rejected.length ? { recordIds, rejected } : { recordIds }) }
  })
}
