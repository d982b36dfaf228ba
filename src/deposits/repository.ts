/** Database access for the wage guarantee deposit register (工资保证金): append-only, a withdrawal is a row of its own. */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { Database } from '../db/database.ts'
import { insertInto, rowOf, selectFrom } from '../db/rows.ts'
import { wageDeposits } from '../db/schema/index.ts'

export type DepositRow = typeof wageDeposits.$inferSelect

export class DepositRepository {
  constructor(private readonly db: Database) {}

  async insert(row: DepositRow): Promise<void> {
    await this.db.run(insertInto(wageDeposits, [row]))
  }

  /** Every row of the project's register (deposits and withdrawals) in the order recorded. */
  async ofProject(projectId: string): Promise<DepositRow[]> {
    const rows = await this.db.all(sql`${selectFrom(wageDeposits)} WHERE ${eq(wageDeposits.projectId, projectId)} ORDER BY ${asc(wageDeposits.recordedAtMs)}, ${asc(wageDeposits.id)}`)
    return rows.map((r) => rowOf<DepositRow>(wageDeposits, r))
  }

  async byId(projectId: string, id: string): Promise<DepositRow | undefined> {
    const raw = await this.db.get(sql`${selectFrom(wageDeposits)} WHERE ${and(eq(wageDeposits.projectId, projectId), eq(wageDeposits.id, id))}`)
    return raw && rowOf<DepositRow>(wageDeposits, raw)
  }
}
