-- Money going out is ledger too: append-only, by the function of migrations/postgres/0003_append_only.sql.
CREATE TRIGGER "wage_terms_no_change" BEFORE UPDATE OR DELETE ON "wage_terms" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "wage_terms_no_truncate" BEFORE TRUNCATE ON "wage_terms" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "piece_quantities_no_change" BEFORE UPDATE OR DELETE ON "piece_quantities" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "piece_quantities_no_truncate" BEFORE TRUNCATE ON "piece_quantities" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "piece_quantity_answers_no_change" BEFORE UPDATE OR DELETE ON "piece_quantity_answers" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "piece_quantity_answers_no_truncate" BEFORE TRUNCATE ON "piece_quantity_answers" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "pay_items_no_change" BEFORE UPDATE OR DELETE ON "pay_items" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "pay_items_no_truncate" BEFORE TRUNCATE ON "pay_items" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_sheets_no_change" BEFORE UPDATE OR DELETE ON "payroll_sheets" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_sheets_no_truncate" BEFORE TRUNCATE ON "payroll_sheets" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_sheet_lines_no_change" BEFORE UPDATE OR DELETE ON "payroll_sheet_lines" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_sheet_lines_no_truncate" BEFORE TRUNCATE ON "payroll_sheet_lines" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_sheet_events_no_change" BEFORE UPDATE OR DELETE ON "payroll_sheet_events" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_sheet_events_no_truncate" BEFORE TRUNCATE ON "payroll_sheet_events" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_line_answers_no_change" BEFORE UPDATE OR DELETE ON "payroll_line_answers" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payroll_line_answers_no_truncate" BEFORE TRUNCATE ON "payroll_line_answers" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payment_instructions_no_change" BEFORE UPDATE OR DELETE ON "payment_instructions" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payment_instructions_no_truncate" BEFORE TRUNCATE ON "payment_instructions" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "instruction_lines_no_change" BEFORE UPDATE OR DELETE ON "instruction_lines" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "instruction_lines_no_truncate" BEFORE TRUNCATE ON "instruction_lines" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "dedicated_accounts_no_change" BEFORE UPDATE OR DELETE ON "dedicated_accounts" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "dedicated_accounts_no_truncate" BEFORE TRUNCATE ON "dedicated_accounts" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "project_contracts_no_change" BEFORE UPDATE OR DELETE ON "project_contracts" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "project_contracts_no_truncate" BEFORE TRUNCATE ON "project_contracts" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "funding_periods_no_change" BEFORE UPDATE OR DELETE ON "funding_periods" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "funding_periods_no_truncate" BEFORE TRUNCATE ON "funding_periods" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "account_statements_no_change" BEFORE UPDATE OR DELETE ON "account_statements" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "account_statements_no_truncate" BEFORE TRUNCATE ON "account_statements" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "account_movements_no_change" BEFORE UPDATE OR DELETE ON "account_movements" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "account_movements_no_truncate" BEFORE TRUNCATE ON "account_movements" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "wage_deposits_no_change" BEFORE UPDATE OR DELETE ON "wage_deposits" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "wage_deposits_no_truncate" BEFORE TRUNCATE ON "wage_deposits" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
