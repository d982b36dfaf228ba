export * from './roster.ts'
export * from './punches.ts'
export * from './payouts.ts'
export * from './timesheets.ts'
