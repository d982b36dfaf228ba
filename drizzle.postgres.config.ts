import { defineConfig } from 'drizzle-kit'

/** PostgreSQL, from the twin schema (src/db/schema-pg); SQLite's is drizzle.config.ts. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-pg/index.ts',
  out: './migrations/postgres',
  casing: 'snake_case',
})
