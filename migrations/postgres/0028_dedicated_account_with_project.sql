-- A project created with its account's bank code now records that account as the first entry of its dedicated
-- account's register (src/roster createProject). Projects created before have only the account on the project row:
-- each gets that entry now, a new record (the register is append-only), dated at the project's creation so that any
-- entry recorded later restates it, by 'migration', with no opening date ('': nothing is refused as before it).
-- Left as they were (no entry; the labour manager registers the account): a project that has an entry already, whose
-- account fails the register's checks (12-digit bank code, 8 to 32 digits, a name without spaces at either end and
-- of at most 140 characters), or whose number another project holds (in force there, or on another project
-- backfilled here): a dedicated account is one project's, and the ledger cannot tell which it is.
INSERT INTO "dedicated_accounts" ("id", "project_id", "bank", "bank_code", "account_no", "account_name", "opened_on", "opening_fen", "reason", "recorded_by", "recorded_at_ms")
SELECT p."id", p."id", p."account_bank", p."account_bank_code", p."account_no", p."account_name", '', 0,
  'registered with the project (recorded by a migration: the project was created with this account before creating a project recorded it)',
  'migration', p."created_at_ms"
FROM "projects" p
WHERE p."account_bank_code" ~ '^[0-9]{12}$'
  AND p."account_no" ~ '^[0-9]{8,32}$'
  AND btrim(p."account_bank") <> ''
  AND p."account_name" <> '' AND p."account_name" = btrim(p."account_name") AND char_length(p."account_name") <= 140
  AND NOT EXISTS (SELECT 1 FROM "dedicated_accounts" own WHERE own."project_id" = p."id")
  AND NOT EXISTS (
    SELECT 1 FROM "dedicated_accounts" d
    WHERE d."project_id" <> p."id" AND d."account_no" = p."account_no"
      AND NOT EXISTS (SELECT 1 FROM "dedicated_accounts" n WHERE n."project_id" = d."project_id" AND (n."recorded_at_ms" > d."recorded_at_ms" OR (n."recorded_at_ms" = d."recorded_at_ms" AND n."id" > d."id")))
  )
  AND NOT EXISTS (
    SELECT 1 FROM "projects" o
    WHERE o."id" <> p."id" AND o."account_no" = p."account_no" AND o."account_bank_code" IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM "dedicated_accounts" own WHERE own."project_id" = o."id")
  );
