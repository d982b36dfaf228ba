/**
 * A register entry of the dedicated account (专用账户登记) as both ways of recording one make it: with the project,
 * from the account it is created with (POST /api/projects, README step 2), and at POST …/dedicated-account, which
 * restates it. Either way it is checked alike, and an account number in force on another project is refused (Art. 26:
 * one account, one project, or one statement of it would count as the balance and funding of both).
 */
import { AppError } from '../kernel/errors.ts'
import { newId } from '../kernel/ids.ts'
import { fen, type Fen } from '../kernel/money.ts'
import { AccountError, validateDedicatedAccount, type DedicatedAccount } from './funding.ts'
import { storedOpenedOn, type DedicatedAccountRow } from './repository.ts'

/** The reason of the entry a project's creation records: the account it was created with. */
export const WITH_PROJECT_REASON = 'registered with the project'

/**
 * The entry to record, checked: 400 dedicated_account_invalid on the first fault, `details.field` named as the caller
 * wrote it (`fieldName` maps the register's names, e.g. accountNo, to the request's, e.g. account.no).
 */
export function registerEntry(
  account: DedicatedAccount,
  entry: { openingFen: Fen; reason: string; recordedBy: string; recordedAtMs: number },
  fieldName: (field: string) => string = (f) => f,
): DedicatedAccountRow {
  try {
    validateDedicatedAccount(account)
  } catch (err) {
    if (err instanceof AccountError) {
      const field = typeof err.details.field === 'string' ? fieldName(err.details.field) : undefined
      throw new AppError('dedicated_account_invalid', { reason: err.message, ...err.details, ...(field === undefined ? {} : { field }) })
    }
    throw err
  }
  return { id: newId(), ...account, openedOn: storedOpenedOn(account.openedOn), openingFen: fen(entry.openingFen), reason: entry.reason, recordedBy: entry.recordedBy, recordedAtMs: entry.recordedAtMs }
}

/**
 * The refusal of an account number in force on other projects. `reached`: whether the caller may see all of them;
 * the projects are named only then, or a labour manager would learn another contractor's project, and which project
 * an account number belongs to, by trying numbers.
 */
export function inForceElsewhere(accountNo: string, others: readonly string[], reached: boolean, field: string): AppError {
  if (!reached) {
    return new AppError('dedicated_account_invalid', {
      reason: "this account number is in force on another project; a dedicated account is one project's (that project's entry must be restated first if the account was moved)",
      field,
    })
  }
  return new AppError('dedicated_account_invalid', {
    reason: `account ${accountNo} is the dedicated account in force of project ${others.join(', ')}; a dedicated account is one project's (restate that project's entry first if the account was moved)`,
    field,
    projectId: others[0],
    projectIds: [...others],
  })
}
