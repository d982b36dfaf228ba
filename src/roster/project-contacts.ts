/**
 * The project's contacts for the rights board (维权信息登记): the labour manager appointed to the site (劳资专管员,
 * 条例 Art. 28) with the phone posted for workers, and the local complaint line (the county's 劳动保障监察 brigade).
 *
 * A login is not an appointment: a general contractor's labour managers sign in for every site it runs, so who the
 * board names is registered here, by the general contractor, with a reason. Append-only: a newer entry restates the
 * older, and the older stay as evidence of what the board said and when.
 */
import { desc, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { projectContacts } from '../db/schema/index.ts'
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import type { Clock } from '../kernel/time.ts'
import type { RosterService } from './service.ts'

export type ProjectContactsRow = typeof projectContacts.$inferSelect

export interface NewProjectContacts {
  labourManagerName: string
  labourManagerPhone: string
  localComplaintName?: string | null
  localComplaintPhone?: string | null
  reason: string
}

/** A mainland mobile number (11 digits from 13x to 19x). */
const MOBILE = /^1[3-9]\d{9}$/
/** A landline with its area code (010, 0571…), optionally an extension: 0571-87654321, 057187654321-8001. */
const LANDLINE = /^0\d{2,3}-?\d{7,8}(-\d{1,6})?$/
/** A short public service line (12333, 12345, 96xxx…): 5 or 6 digits starting with 1 or 9. */
const SERVICE_LINE = /^[19]\d{4,5}$/

/** The number as a person would dial it: spaces and the dots some people type between groups taken out. */
export const normalisePhone = (phone: string): string => phone.replace(/[\s.]/g, '')

/** A phone a worker can dial: a mobile or a landline with area code; for the complaint line also a short service line. */
export function isPostablePhone(phone: string, kind: 'person' | 'line'): boolean {
  return MOBILE.test(phone) || LANDLINE.test(phone) || (kind === 'line' && SERVICE_LINE.test(phone))
}

/**
 * The entry as it will be stored, or the first fault with the field that has it. Pure, so the page's form and the API
 * refuse the same things with the same words.
 */
export function checkProjectContacts(input: NewProjectContacts): { ok: true; value: Required<NewProjectContacts> } | { ok: false; field: string; reason: string } {
  const name = input.labourManagerName.trim()
  const phone = normalisePhone(input.labourManagerPhone)
  const lineName = input.localComplaintName?.trim() || null
  const linePhone = input.localComplaintPhone ? normalisePhone(input.localComplaintPhone) || null : null
  const reason = input.reason.trim()
  if (name === '') return { ok: false, field: 'labourManagerName', reason: "the labour manager's name is required" }
  if (!isPostablePhone(phone, 'person')) return { ok: false, field: 'labourManagerPhone', reason: 'not a phone number a worker can dial: an 11-digit mobile, or a landline with its area code (0571-87654321)' }
  if ((lineName === null) !== (linePhone === null)) {
    return { ok: false, field: linePhone === null ? 'localComplaintPhone' : 'localComplaintName', reason: "the local complaint line needs both its name and its number (or neither)" }
  }
  if (linePhone !== null && !isPostablePhone(linePhone, 'line')) {
    return { ok: false, field: 'localComplaintPhone', reason: 'not a number a worker can dial: a landline with its area code, a mobile, or a short service line such as 12345' }
  }
  if (reason === '') return { ok: false, field: 'reason', reason: 'an entry needs a reason (e.g. 项目开工登记, 劳资专管员更换)' }
  return { ok: true, value: { labourManagerName: name, labourManagerPhone: phone, localComplaintName: lineName, localComplaintPhone: linePhone, reason } }
}

export class ProjectContactsService {
  constructor(
    private readonly db: Database,
    private readonly deps: { roster: RosterService },
    private readonly clock: Clock,
  ) {}

  async register(projectId: string, input: NewProjectContacts, recordedBy: string): Promise<{ inForce: ProjectContactsRow; history: ProjectContactsRow[] }> {
    await this.deps.roster.project(projectId)
    const checked = checkProjectContacts(input)
    if (!checked.ok) throw new AppError('project_contacts_invalid', { field: checked.field, reason: checked.reason })
    const row: ProjectContactsRow = { id: newId(), projectId, ...checked.value, recordedBy, recordedAtMs: this.clock.nowMs() }
    await this.db.run(insertInto(projectContacts, [row]))
    const history = await this.history(projectId)
    return { inForce: history[0]!, history }
  }

  /** Every entry of the project, newest first: the first is in force. */
  async history(projectId: string): Promise<ProjectContactsRow[]> {
    await this.deps.roster.project(projectId)
    const rows = await this.db.all(
      sql`${selectFrom(projectContacts)} WHERE ${eq(projectContacts.projectId, projectId)} ORDER BY ${desc(projectContacts.recordedAtMs)}, ${desc(projectContacts.id)}`,
    )
    return rows.map((r) => rowOf<ProjectContactsRow>(projectContacts, r))
  }

  /** The entry in force, or undefined when the general contractor has registered none. */
  async inForce(projectId: string): Promise<ProjectContactsRow | undefined> {
    return (await this.history(projectId))[0]
  }
}
