-- Instances keep sessions and API keys in memory as last read (src/access/credential-cache.ts) and drop them when
-- told that any of them changed. The telling is PostgreSQL's: a statement that changes a session, a key or a login
-- (a revocation, a logout, a disabled login, a new password) notifies the channel wl_credentials, delivered to every
-- listening instance when the transaction commits, whoever wrote it (another instance, the admin CLI, a person at
-- psql). Inserts are left out: a new session or key invalidates nothing an instance keeps.
CREATE FUNCTION wl_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('wl_credentials', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

--> statement-breakpoint
CREATE TRIGGER "sessions_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "sessions" FOR EACH STATEMENT EXECUTE FUNCTION wl_credentials_changed();
--> statement-breakpoint
CREATE TRIGGER "api_keys_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "api_keys" FOR EACH STATEMENT EXECUTE FUNCTION wl_credentials_changed();
--> statement-breakpoint
CREATE TRIGGER "users_changed" AFTER UPDATE OR DELETE OR TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION wl_credentials_changed();
