import { defineConfig } from 'drizzle-kit'

/** SQLite, the embedded default. PostgreSQL's twin is drizzle.postgres.config.ts; `npm run db:generate` runs both. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema/index.ts',
  out: './migrations/sqlite',
  casing: 'snake_case',
})
