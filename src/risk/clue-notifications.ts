/**
 * What the early warning sends through the case webhooks (src/flags/webhooks.ts: the same outbox, signature and
 * retries): `incident.major` the moment a case becomes a major incident (the 2-hour report clock starts), and
 * `clue.escalated` when a clue's routing or resolution clock runs out. No personal data: a clue's summary is the
 * complainant's own words and is not sent; receivers read the clue through the API.
 *
 * Pure.
 */
import { formatYuan, fen } from '../kernel/money.ts'
import { INCIDENT_REPORT_MS, type ClueClock } from './clues.ts'

/**
 * The outbox is keyed by project (an endpoint may follow one project, or all). A clue or incident about an employer
 * with no project on the roster goes to the endpoints that follow every project only.
 */
export const NO_PROJECT = ''

/** The case webhooks' outbox (WebhookService.enqueue), called inside the appending transaction. */
export interface RiskOutbox {
  enqueue(projectId: string, payloads: ReadonlyArray<{ id: string; type: string }>): Promise<void>
}

export interface IncidentPayload {
  id: string
  type: 'incident.major'
  occurredAt: string
  incident: {
    id: string
    sourceKind: string
    sourceId: string
    projectId: string | null
    headcount: number
    amountFen: number
    amountYuan: string
    reasons: string[]
    becameMajorAt: string
    reportDueAt: string
  }
}

export function incidentPayload(i: { id: string; sourceKind: string; sourceId: string; projectId: string | null; headcount: number; amountFen: number; reasons: string[]; becameMajorAtMs: number }): IncidentPayload {
  return {
    id: i.id,
    type: 'incident.major',
    occurredAt: new Date(i.becameMajorAtMs).toISOString(),
    incident: {
      id: i.id,
      sourceKind: i.sourceKind,
      sourceId: i.sourceId,
      projectId: i.projectId,
      headcount: i.headcount,
      amountFen: i.amountFen,
      amountYuan: formatYuan(fen(i.amountFen)),
      reasons: i.reasons,
      becameMajorAt: new Date(i.becameMajorAtMs).toISOString(),
      reportDueAt: new Date(i.becameMajorAtMs + INCIDENT_REPORT_MS).toISOString(),
    },
  }
}

export interface IncidentRestatedPayload {
  id: string
  type: 'incident.restated'
  occurredAt: string
  incident: IncidentPayload['incident'] & { gained: string[] }
}

/** A major incident restated with a reason it did not have (12 workers, then ¥6,000,000 found): its newest figures. */
export function incidentRestatedPayload(
  i: { id: string; sourceKind: string; sourceId: string; projectId: string | null; reasons: string[]; becameMajorAtMs: number },
  restated: { figuresId: string; headcount: number; amountFen: number; gained: string[]; atMs: number },
): IncidentRestatedPayload {
  const major = incidentPayload({ ...i, headcount: restated.headcount, amountFen: restated.amountFen })
  return { id: restated.figuresId, type: 'incident.restated', occurredAt: new Date(restated.atMs).toISOString(), incident: { ...major.incident, gained: restated.gained } }
}

export interface ClueEscalationPayload {
  id: string
  type: 'clue.escalated'
  occurredAt: string
  clue: { id: string; projectId: string | null; employerCreditCode: string | null; channel: string; headcount: number; amountFen: number; state: string }
  detail: { clock: ClueClock['clock']; startedOn: string; dueOn: string; overdueAt: string }
}

export function clueEscalationPayload(
  eventId: string,
  atMs: number,
  clue: { id: string; projectId: string | null; employerCreditCode: string | null; channel: string; headcount: number; amountFen: number },
  state: string,
  clock: ClueClock,
): ClueEscalationPayload {
  return {
    id: eventId,
    type: 'clue.escalated',
    occurredAt: new Date(atMs).toISOString(),
    clue: { id: clue.id, projectId: clue.projectId, employerCreditCode: clue.employerCreditCode, channel: clue.channel, headcount: clue.headcount, amountFen: clue.amountFen, state },
    detail: { clock: clock.clock, startedOn: clock.startedOn, dueOn: clock.dueOn, overdueAt: new Date(clock.overdueAtMs).toISOString() },
  }
}
