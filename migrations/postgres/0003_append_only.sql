-- The ledger is append-only: see migrations/sqlite/0009_append_only.sql. One function raises; a trigger per table and
-- statement kind calls it (TRUNCATE too, which row triggers do not see).
CREATE FUNCTION wl_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused (record a correction instead)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'raise_exception';
END
$$;

--> statement-breakpoint
CREATE TRIGGER "punches_no_change" BEFORE UPDATE OR DELETE ON "punches" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "punches_no_truncate" BEFORE TRUNCATE ON "punches" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "rejected_inputs_no_change" BEFORE UPDATE OR DELETE ON "rejected_inputs" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "rejected_inputs_no_truncate" BEFORE TRUNCATE ON "rejected_inputs" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "rejected_payloads_no_change" BEFORE UPDATE OR DELETE ON "rejected_payloads" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "rejected_payloads_no_truncate" BEFORE TRUNCATE ON "rejected_payloads" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payout_files_no_change" BEFORE UPDATE OR DELETE ON "payout_files" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payout_files_no_truncate" BEFORE TRUNCATE ON "payout_files" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payout_lines_no_change" BEFORE UPDATE OR DELETE ON "payout_lines" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payout_lines_no_truncate" BEFORE TRUNCATE ON "payout_lines" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "reconciliation_runs_no_change" BEFORE UPDATE OR DELETE ON "reconciliation_runs" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "reconciliation_runs_no_truncate" BEFORE TRUNCATE ON "reconciliation_runs" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "flags_no_change" BEFORE UPDATE OR DELETE ON "flags" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "flags_no_truncate" BEFORE TRUNCATE ON "flags" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "corrections_no_change" BEFORE UPDATE OR DELETE ON "corrections" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "corrections_no_truncate" BEFORE TRUNCATE ON "corrections" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "timesheet_adjustments_no_change" BEFORE UPDATE OR DELETE ON "timesheet_adjustments" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "timesheet_adjustments_no_truncate" BEFORE TRUNCATE ON "timesheet_adjustments" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "timesheet_confirmations_no_change" BEFORE UPDATE OR DELETE ON "timesheet_confirmations" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "timesheet_confirmations_no_truncate" BEFORE TRUNCATE ON "timesheet_confirmations" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "worker_confirmations_no_change" BEFORE UPDATE OR DELETE ON "worker_confirmations" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "worker_confirmations_no_truncate" BEFORE TRUNCATE ON "worker_confirmations" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "access_log_no_change" BEFORE UPDATE OR DELETE ON "access_log" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "access_log_no_truncate" BEFORE TRUNCATE ON "access_log" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
