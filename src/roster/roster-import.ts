/**
 * Judging a 花名册 before anything is stored (roster import, issue 13). Pure: the rows read from the file
 * (roster-import-file.ts) and what the roster already holds in, a preview out: every row with what it would do
 * (register a new worker, enrol a registered one, or nothing: already enrolled) and every problem that stops it.
 *
 * The import stores all rows or none (roster-import-service.ts), so one row's problem holds the whole file; the
 * preview lists them all at once so the labour manager fixes the spreadsheet in one pass.
 *
 * A worker already registered under the ID number (on another project, or by an earlier import) is matched, never
 * refused: the person is the same, and their real-name record is kept as registered. Facts the file states
 * differently (a new phone, another card) are a notice on the row, not a problem: the registration is not overwritten
 * by a spreadsheet. A different name under the same ID number is a problem: one of the two is wrong.
 */
import { LIMITS } from '../config/limits.ts'
import { parseYuan } from '../kernel/money.ts'
import { isWorkDate } from '../kernel/time.ts'
import { spellsOf, type EnrolmentSpells } from './spells.ts'
import { checkIdNumber, maskCard, maskIdNumber, maskPhone, nameKey, ofWorkingAge, WORKING_AGE_MIN, type IdNumberProblem } from './identity.ts'
import { REQUIRED_FIELDS, type RosterField, type RosterSheet } from './roster-import-file.ts'

/** How each field is named on the page and in problems: the header the README documents. */
export const FIELD_LABELS: Readonly<Record<RosterField, string>> = {
  name: '姓名',
  idNumber: '身份证号',
  team: '班组',
  trade: '工种',
  cardNo: '银行卡号',
  bankName: '开户行',
  phone: '手机号',
  entryDate: '进场日期',
  dailyRate: '日工资',
  safetyTrained: '安全教育',
  deviceUserId: '考勤号',
  contractNo: '合同编号',
  ethnicity: '民族',
  address: '住址',
}

export type RowProblem =
  | { code: 'missing'; field: RosterField }
  | { code: 'stored_as_number'; field: 'idNumber' | 'cardNo' }
  | { code: 'id_number_invalid'; field: 'idNumber'; problem: IdNumberProblem }
  | { code: 'under_age'; field: 'idNumber' }
  | { code: 'card_invalid'; field: 'cardNo' }
  | { code: 'phone_invalid'; field: 'phone' }
  | { code: 'date_invalid'; field: 'entryDate' }
  | { code: 'rate_invalid'; field: 'dailyRate' }
  | { code: 'yes_no_invalid'; field: 'safetyTrained' }
  | { code: 'too_long'; field: RosterField; max: number }
  | { code: 'unknown_team'; field: 'team' }
  | { code: 'duplicate_in_file'; field: 'idNumber' | 'cardNo' | 'deviceUserId'; lines: number[] }
  | { code: 'card_on_roster'; field: 'cardNo' }
  | { code: 'device_user_taken'; field: 'deviceUserId' }
  | { code: 'name_differs'; field: 'name' }
  | { code: 'return_before_exit'; field: 'entryDate'; exitDate: string }
  | { code: 'return_in_future'; field: 'entryDate'; today: string }
  | { code: 'return_other_team'; field: 'team' }

export type RowNotice = { code: 'already_enrolled' } | { code: 'registered_facts_differ'; fields: RosterField[] }

/**
 * What applying the row does: register and enrol, enrol a worker already registered, record the return (再次进场) of
 * a worker who exited the project (the entry date after the exit in force), or nothing.
 */
export type RowAction = 'register_and_enrol' | 'enrol' | 'return' | 'already_enrolled'

/** A row as read and checked. Values are normalised (ID upper case, card without spaces, date YYYY-MM-DD). */
export interface ImportRow {
  line: number
  name: string
  idNumber: string
  teamName: string
  /** The team the name matched; undefined when unknown. */
  teamId?: string
  trade?: string
  cardNo: string
  bankName: string
  phone?: string
  entryDate: string
  /** Yuan as written in the file, "350" or "350.00": what the enrolment API takes. */
  dailyRate: string
  safetyTrained: boolean
  deviceUserId?: string
  contractNo?: string
  ethnicity?: string
  address?: string
  /** The worker registered under the ID number, if any. */
  workerId?: string
  action: RowAction
  problems: RowProblem[]
  notices: RowNotice[]
}

/** A worker already registered under an ID number the file names, with their enrolment on this project if any. */
export interface Registered {
  workerId: string
  name: string
  cardNo: string
  bankName: string
  phone: string | null
  trade: string | null
  enrolled: boolean
  /** Their enrolment on this project, when enrolled: the dates a row's entry date is read against, and its team. */
  enrolment?: EnrolmentSpells & { id: string; teamId: string }
}

/** What the roster holds that a file is checked against. */
export interface RosterFacts {
  /** The project's work date today (a birth date after it is impossible, and a return after it has not happened). */
  today: string
  /** The teams the caller may enrol on (a team manager's own), by name. */
  teams: ReadonlyMap<string, string>
  /** Registered workers by ID number (only those the file names need be here). */
  registered: ReadonlyMap<string, Registered>
  /** Card numbers of workers enrolled on the project → that worker's id. */
  cardHolders: ReadonlyMap<string, string>
  /** Device user ids on the project → the enrolled worker's id. */
  deviceUsers: ReadonlyMap<string, string>
}

export interface ImportPreview {
  rows: ImportRow[]
  /** Rows with at least one problem: the import is refused while any is left. */
  rowsWithProblems: number
  counts: Record<RowAction, number>
}

/** Lengths the roster's columns take (the API's schemas say the same). */
const FIELD_LENGTH_MAX: Partial<Record<RosterField, number>> = {
  name: 50,
  team: 100,
  trade: 50,
  bankName: 100,
  contractNo: 64,
  deviceUserId: LIMITS.device_user_id_length_max,
  ethnicity: 20,
  address: 200,
}

/** A Chinese bank card (借记卡): 12 to 30 digits (UnionPay cards are 16 to 19; some banks' passbook accounts run longer). */
const CARD = /^\d{12,19}$/
/** A mainland mobile number; landlines are not a 手机号. */
const MOBILE = /^1\d{10}$/
/** Excel prints a large number as 4.12726E+17 when a CSV is saved from a column it took for numbers. */
const SCIENTIFIC = /^\d(\.\d+)?E\+?\d+$/i

const YES = new Set(['是', '已', '已培训', '已教育', '已完成', '有', 'Y', 'YES', 'TRUE', '1', '√', '✓'])
const NO = new Set(['', '否', '未', '未培训', '无', 'N', 'NO', 'FALSE', '0', '×'])

/** Days since 1899-12-30: Excel's date serial, as a date column looks once saved to CSV as a number. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)

/**
 * A date as people write them in a 花名册: 2026-10-01, 2026/10/1, 2026.10.1, 2026年10月1日, 20261001, a date-time, or
 * Excel's serial (46296) when a date column was saved as numbers. undefined when it is none of these or no real date.
 */
export function parseSheetDate(raw: string): string | undefined {
  // A date-time cell saved to CSV (2026-10-01 00:00:00, 2026/10/1 0:00): the date is the entry date.
  const s = raw.normalize('NFKC').trim().replace(/\s+\d{1,2}:\d{2}(?::\d{2})?$/, '')
  let y: string, m: string, d: string
  let match = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  if (match) [, y, m, d] = match as unknown as [string, string, string, string]
  else if ((match = /^(\d{5})$/.exec(s))) {
    const date = new Date(EXCEL_EPOCH_MS + Number(match[1]) * 86_400_000).toISOString().slice(0, 10)
    return date >= '2000-01-01' && date <= '2099-12-31' ? date : undefined
  } else return undefined
  const date = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
  return isWorkDate(date) ? date : undefined
}

/** 是/否 and their variants; undefined for anything else. An empty cell is 否: untrained until recorded. */
export function parseYesNo(raw: string): boolean | undefined {
  const s = raw.trim().toUpperCase()
  if (YES.has(s)) return true
  if (NO.has(s)) return false
  return undefined
}

const digitsOnly = (s: string): string => s.replace(/[\s\u3000-]/g, '')

/** Checks every row of the sheet against itself and the roster; stores nothing. */
export function previewImport(sheet: RosterSheet, facts: RosterFacts): ImportPreview {
  const rows = sheet.rows.map((r): ImportRow => {
    const cell = (f: RosterField): string => r.cells[f] ?? ''
    const optional = (f: RosterField): string | undefined => cell(f) || undefined
    const problems: RowProblem[] = []
    for (const f of REQUIRED_FIELDS) if (cell(f) === '') problems.push({ code: 'missing', field: f })
    for (const [f, max] of Object.entries(FIELD_LENGTH_MAX) as Array<[RosterField, number]>) if (cell(f).length > max) problems.push({ code: 'too_long', field: f, max })

    let idNumber = digitsOnly(cell('idNumber')).toUpperCase()
    if (idNumber !== '') {
      if (SCIENTIFIC.test(idNumber)) problems.push({ code: 'stored_as_number', field: 'idNumber' })
      else {
        const checked = checkIdNumber(idNumber, facts.today)
        if (!checked.ok) problems.push({ code: 'id_number_invalid', field: 'idNumber', problem: checked.problem })
        else if (!ofWorkingAge(checked.facts.birthDate, facts.today)) problems.push({ code: 'under_age', field: 'idNumber' })
        else idNumber = checked.facts.idNumber
      }
    }
    const cardNo = digitsOnly(cell('cardNo'))
    if (cardNo !== '') {
      if (SCIENTIFIC.test(cardNo)) problems.push({ code: 'stored_as_number', field: 'cardNo' })
      else if (!CARD.test(cardNo)) problems.push({ code: 'card_invalid', field: 'cardNo' })
    }
    const phone = digitsOnly(cell('phone')).replace(/^\+?86/, '')
    if (phone !== '' && !MOBILE.test(phone)) problems.push({ code: 'phone_invalid', field: 'phone' })
    const entryDate = cell('entryDate') === '' ? '' : (parseSheetDate(cell('entryDate')) ?? '')
    if (cell('entryDate') !== '' && entryDate === '') problems.push({ code: 'date_invalid', field: 'entryDate' })
    const dailyRate = cell('dailyRate').replace(/[元¥￥,，\s]/g, '')
    if (cell('dailyRate') !== '') {
      const fen = parseYuan(dailyRate)
      if (fen === undefined || fen <= 0 || fen > LIMITS.daily_rate_fen_max) problems.push({ code: 'rate_invalid', field: 'dailyRate' })
    }
    const trained = parseYesNo(cell('safetyTrained'))
    if (trained === undefined) problems.push({ code: 'yes_no_invalid', field: 'safetyTrained' })
    const teamName = cell('team')
    const teamId = facts.teams.get(teamName)
    if (teamName !== '' && teamId === undefined) problems.push({ code: 'unknown_team', field: 'team' })

    const name = nameKey(cell('name'))
    const known = facts.registered.get(idNumber)
    const notices: RowNotice[] = []
    let action: RowAction = 'register_and_enrol'
    if (known) {
      action = known.enrolled ? 'already_enrolled' : 'enrol'
      const e = known.enrolment
      // An exited worker's row dated after the exit says they are back (再次进场): recorded as a return on the
      // enrolment. One dated as a spell already recorded is that spell (the file posted again); any other date of an
      // exited worker can be neither (a return is after the exit), and is not guessed at.
      if (e && e.exitDate !== null && entryDate !== '' && !spellsOf(e).some((sp) => sp.entryDate === entryDate)) {
        if (entryDate > e.exitDate) {
          action = 'return'
          // A return is recorded once it has happened, as POST …/return records it (a first entry may be ahead: a
          // worker is registered before entering the site; a return would put an exited worker back on site today).
          if (entryDate > facts.today) problems.push({ code: 'return_in_future', field: 'entryDate', today: facts.today })
          // The return is on the enrolment, in its team: a file naming another (or one not the caller's) is a mistake.
          const callersTeam = [...facts.teams.values()].includes(e.teamId)
          if (!callersTeam || (teamId !== undefined && teamId !== e.teamId)) problems.push({ code: 'return_other_team', field: 'team' })
        } else problems.push({ code: 'return_before_exit', field: 'entryDate', exitDate: e.exitDate })
      }
      if (action === 'already_enrolled') notices.push({ code: 'already_enrolled' })
      if (name !== '' && nameKey(known.name) !== name) problems.push({ code: 'name_differs', field: 'name' })
      const differs: RosterField[] = []
      if (cardNo !== '' && cardNo !== known.cardNo) differs.push('cardNo')
      if (cell('bankName') !== '' && cell('bankName') !== known.bankName) differs.push('bankName')
      if (phone !== '' && phone !== known.phone) differs.push('phone')
      if (differs.length > 0) notices.push({ code: 'registered_facts_differ', fields: differs })
    }
    // A card or device user id already on the project belongs to someone else unless it is this very worker's.
    const holder = cardNo === '' ? undefined : facts.cardHolders.get(cardNo)
    if (holder !== undefined && holder !== known?.workerId) problems.push({ code: 'card_on_roster', field: 'cardNo' })
    const deviceUserId = optional('deviceUserId')
    const deviceUser = deviceUserId === undefined ? undefined : facts.deviceUsers.get(deviceUserId)
    if (deviceUser !== undefined && deviceUser !== known?.workerId) problems.push({ code: 'device_user_taken', field: 'deviceUserId' })

    return {
      line: r.line,
      name,
      idNumber,
      teamName,
      teamId,
      trade: optional('trade'),
      cardNo,
      bankName: cell('bankName'),
      phone: phone || undefined,
      entryDate,
      dailyRate,
      safetyTrained: trained ?? false,
      deviceUserId,
      contractNo: optional('contractNo'),
      ethnicity: optional('ethnicity'),
      address: optional('address'),
      workerId: known?.workerId,
      action,
      problems,
      notices,
    }
  })

  // The same person, card or device user id twice in the file: every row involved names the others.
  const repeats = (field: 'idNumber' | 'cardNo' | 'deviceUserId', key: (r: ImportRow) => string | undefined): void => {
    const lines = new Map<string, number[]>()
    for (const r of rows) {
      const k = key(r)
      if (k) lines.set(k, [...(lines.get(k) ?? []), r.line])
    }
    for (const r of rows) {
      const k = key(r)
      const same = k ? (lines.get(k) ?? []) : []
      if (same.length > 1) r.problems.push({ code: 'duplicate_in_file', field, lines: same.filter((l) => l !== r.line) })
    }
  }
  repeats('idNumber', (r) => r.idNumber)
  repeats('cardNo', (r) => r.cardNo)
  repeats('deviceUserId', (r) => r.deviceUserId)

  const counts: Record<RowAction, number> = { register_and_enrol: 0, enrol: 0, return: 0, already_enrolled: 0 }
  for (const r of rows) counts[r.action]++
  return { rows, rowsWithProblems: rows.filter((r) => r.problems.length > 0).length, counts }
}

/** A problem as the labour manager reads it, naming the column and what to do. */
export function problemText(p: RowProblem): string {
  const label = FIELD_LABELS[p.field]
  switch (p.code) {
    case 'missing':
      return `缺少${label}`
    case 'stored_as_number':
      return `${label}被 Excel 存成了数字（末几位已丢失）：请把该列设为"文本"后重新填写`
    case 'id_number_invalid':
      return p.problem === 'check_digit' ? '身份证号校验位不对，请对照身份证重新填写' : p.problem === 'birth_date' ? '身份证号中的出生日期无效' : '身份证号应为18位（最后一位可为 X）'
    case 'under_age':
      return `未满${WORKING_AGE_MIN}周岁，不得招用（禁止使用童工）`
    case 'card_invalid':
      return '银行卡号应为12至19位数字'
    case 'phone_invalid':
      return '手机号应为11位数字'
    case 'date_invalid':
      return '进场日期无法识别，请写成 2026-10-01'
    case 'rate_invalid':
      return '日工资应为元，最多两位小数，例如 350.00'
    case 'yes_no_invalid':
      return '安全教育请填"是"或"否"'
    case 'too_long':
      return `${label}过长（最多 ${p.max} 个字）`
    case 'unknown_team':
      return '本项目没有这个班组（或不是您所在单位的班组）：请先建班组，或改正班组名称'
    case 'duplicate_in_file':
      return `${label}与第 ${p.lines.join('、')} 行重复`
    case 'card_on_roster':
      return '这张银行卡已登记在本项目另一名工人名下'
    case 'device_user_taken':
      return '这个考勤号已给本项目另一名工人使用'
    case 'name_differs':
      return '这个身份证号已登记为另一个姓名：请核对身份证'
    case 'return_before_exit':
      return `该工人已于 ${p.exitDate} 退场：再次进场的进场日期须晚于退场日期（原来的进场请填已登记的进场日期）`
    case 'return_in_future':
      return `再次进场日期还没到（今天是 ${p.today}）：该工人已退场，再次进场请在到场当天或之后登记`
    case 'return_other_team':
      return '该工人在本项目登记于另一班组（或不是您所在单位的班组）：再次进场记在原班组，请填原班组'
  }
}

export function noticeText(n: RowNotice): string {
  switch (n.code) {
    case 'already_enrolled':
      return '已在本项目登记进场，不再重复登记'
    case 'registered_facts_differ':
      return `${n.fields.map((f) => FIELD_LABELS[f]).join('、')}与已登记的不同：保留已登记的信息`
  }
}

/** A row as a reply or a page shows it: ID number, card and phone masked, as the roster's lists show them. */
export function presentRow(r: ImportRow) {
  return {
    line: r.line,
    name: r.name,
    idNumberMasked: r.idNumber === '' ? '' : maskIdNumber(r.idNumber),
    team: r.teamName,
    teamId: r.teamId ?? null,
    trade: r.trade ?? null,
    cardMasked: r.cardNo === '' ? '' : maskCard(r.cardNo),
    bankName: r.bankName,
    phoneMasked: r.phone ? maskPhone(r.phone) : null,
    entryDate: r.entryDate,
    dailyRate: r.dailyRate,
    safetyTrained: r.safetyTrained,
    workerId: r.workerId ?? null,
    action: r.action,
    problems: r.problems.map((p) => ({ ...p, message: problemText(p) })),
    notices: r.notices.map((n) => ({ ...n, message: noticeText(n) })),
  }
}
export type PresentedRow = ReturnType<typeof presentRow>
