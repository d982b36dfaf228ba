-- The ledger is append-only (保障农民工工资支付条例: the payroll ledger is kept, not rewritten): corrections are new rows.
-- These triggers refuse UPDATE and DELETE on every ledger table; editing one by hand means dropping its trigger first,
-- and the access log's hash chain (npm run audit:verify) still shows the edit.
CREATE TRIGGER `punches_no_update` BEFORE UPDATE ON `punches` BEGIN SELECT RAISE(ABORT, 'punches is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `punches_no_delete` BEFORE DELETE ON `punches` BEGIN SELECT RAISE(ABORT, 'punches is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `rejected_inputs_no_update` BEFORE UPDATE ON `rejected_inputs` BEGIN SELECT RAISE(ABORT, 'rejected_inputs is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `rejected_inputs_no_delete` BEFORE DELETE ON `rejected_inputs` BEGIN SELECT RAISE(ABORT, 'rejected_inputs is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `rejected_payloads_no_update` BEFORE UPDATE ON `rejected_payloads` BEGIN SELECT RAISE(ABORT, 'rejected_payloads is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `rejected_payloads_no_delete` BEFORE DELETE ON `rejected_payloads` BEGIN SELECT RAISE(ABORT, 'rejected_payloads is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payout_files_no_update` BEFORE UPDATE ON `payout_files` BEGIN SELECT RAISE(ABORT, 'payout_files is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payout_files_no_delete` BEFORE DELETE ON `payout_files` BEGIN SELECT RAISE(ABORT, 'payout_files is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payout_lines_no_update` BEFORE UPDATE ON `payout_lines` BEGIN SELECT RAISE(ABORT, 'payout_lines is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payout_lines_no_delete` BEFORE DELETE ON `payout_lines` BEGIN SELECT RAISE(ABORT, 'payout_lines is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `reconciliation_runs_no_update` BEFORE UPDATE ON `reconciliation_runs` BEGIN SELECT RAISE(ABORT, 'reconciliation_runs is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `reconciliation_runs_no_delete` BEFORE DELETE ON `reconciliation_runs` BEGIN SELECT RAISE(ABORT, 'reconciliation_runs is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `flags_no_update` BEFORE UPDATE ON `flags` BEGIN SELECT RAISE(ABORT, 'flags is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `flags_no_delete` BEFORE DELETE ON `flags` BEGIN SELECT RAISE(ABORT, 'flags is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `corrections_no_update` BEFORE UPDATE ON `corrections` BEGIN SELECT RAISE(ABORT, 'corrections is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `corrections_no_delete` BEFORE DELETE ON `corrections` BEGIN SELECT RAISE(ABORT, 'corrections is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `timesheet_adjustments_no_update` BEFORE UPDATE ON `timesheet_adjustments` BEGIN SELECT RAISE(ABORT, 'timesheet_adjustments is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `timesheet_adjustments_no_delete` BEFORE DELETE ON `timesheet_adjustments` BEGIN SELECT RAISE(ABORT, 'timesheet_adjustments is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `timesheet_confirmations_no_update` BEFORE UPDATE ON `timesheet_confirmations` BEGIN SELECT RAISE(ABORT, 'timesheet_confirmations is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `timesheet_confirmations_no_delete` BEFORE DELETE ON `timesheet_confirmations` BEGIN SELECT RAISE(ABORT, 'timesheet_confirmations is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `worker_confirmations_no_update` BEFORE UPDATE ON `worker_confirmations` BEGIN SELECT RAISE(ABORT, 'worker_confirmations is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `worker_confirmations_no_delete` BEFORE DELETE ON `worker_confirmations` BEGIN SELECT RAISE(ABORT, 'worker_confirmations is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `access_log_no_update` BEFORE UPDATE ON `access_log` BEGIN SELECT RAISE(ABORT, 'access_log is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `access_log_no_delete` BEFORE DELETE ON `access_log` BEGIN SELECT RAISE(ABORT, 'access_log is append-only: DELETE refused (record a correction instead)'); END;
