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

/** One ack per device per committed batch: stored and duplicate records as done, refusals with their reason. */
export function acksFor(batch: CommittedFrame[]): AckMessage[] {
  const byDevice = new Map<string, { siteCode: string; serial: string; recordIds: string[]; rejected: Array<{ recordId: string; reason: string }> }>()
  for (const c of batch) {
    if (!c.device || c.recordId === undefined) continue
    let entry = byDevice.get(c.device.serial)
    if (!entry) {
      entry = { siteCode: c.device.siteCode, serial: c.device.serial, recordIds: [], rejected: [] }
      byDevice.set(c.device.serial, entry)
    }
    if (c.outcome.kind === 'rejected') entry.rejected.push({ recordId: c.recordId, reason: c.outcome.reason })
    else entry.recordIds.push(c.recordId)
  }
  return [...byDevice.values()].map((e) => ({
    topic: ackTopic(e.siteCode, e.serial),
    payload: JSON.stringify(e.rejected.length ? { recordIds: e.recordIds, rejected: e.rejected } : { recordIds: e.recordIds }),
  }))
}
