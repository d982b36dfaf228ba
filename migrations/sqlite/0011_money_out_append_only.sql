-- Money going out (wage terms, piece quantities, pay items, payroll sheets, instructions, the account, deposits) is
-- ledger too: append-only like migrations/sqlite/0009_append_only.sql. A change is a new row (a version, a withdrawal,
-- a transition), never an edit.
CREATE TRIGGER `wage_terms_no_update` BEFORE UPDATE ON `wage_terms` BEGIN SELECT RAISE(ABORT, 'wage_terms is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `wage_terms_no_delete` BEFORE DELETE ON `wage_terms` BEGIN SELECT RAISE(ABORT, 'wage_terms is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `piece_quantities_no_update` BEFORE UPDATE ON `piece_quantities` BEGIN SELECT RAISE(ABORT, 'piece_quantities is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `piece_quantities_no_delete` BEFORE DELETE ON `piece_quantities` BEGIN SELECT RAISE(ABORT, 'piece_quantities is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `piece_quantity_answers_no_update` BEFORE UPDATE ON `piece_quantity_answers` BEGIN SELECT RAISE(ABORT, 'piece_quantity_answers is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `piece_quantity_answers_no_delete` BEFORE DELETE ON `piece_quantity_answers` BEGIN SELECT RAISE(ABORT, 'piece_quantity_answers is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `pay_items_no_update` BEFORE UPDATE ON `pay_items` BEGIN SELECT RAISE(ABORT, 'pay_items is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `pay_items_no_delete` BEFORE DELETE ON `pay_items` BEGIN SELECT RAISE(ABORT, 'pay_items is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_sheets_no_update` BEFORE UPDATE ON `payroll_sheets` BEGIN SELECT RAISE(ABORT, 'payroll_sheets is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_sheets_no_delete` BEFORE DELETE ON `payroll_sheets` BEGIN SELECT RAISE(ABORT, 'payroll_sheets is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_sheet_lines_no_update` BEFORE UPDATE ON `payroll_sheet_lines` BEGIN SELECT RAISE(ABORT, 'payroll_sheet_lines is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_sheet_lines_no_delete` BEFORE DELETE ON `payroll_sheet_lines` BEGIN SELECT RAISE(ABORT, 'payroll_sheet_lines is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_sheet_events_no_update` BEFORE UPDATE ON `payroll_sheet_events` BEGIN SELECT RAISE(ABORT, 'payroll_sheet_events is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_sheet_events_no_delete` BEFORE DELETE ON `payroll_sheet_events` BEGIN SELECT RAISE(ABORT, 'payroll_sheet_events is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_line_answers_no_update` BEFORE UPDATE ON `payroll_line_answers` BEGIN SELECT RAISE(ABORT, 'payroll_line_answers is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payroll_line_answers_no_delete` BEFORE DELETE ON `payroll_line_answers` BEGIN SELECT RAISE(ABORT, 'payroll_line_answers is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payment_instructions_no_update` BEFORE UPDATE ON `payment_instructions` BEGIN SELECT RAISE(ABORT, 'payment_instructions is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payment_instructions_no_delete` BEFORE DELETE ON `payment_instructions` BEGIN SELECT RAISE(ABORT, 'payment_instructions is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `instruction_lines_no_update` BEFORE UPDATE ON `instruction_lines` BEGIN SELECT RAISE(ABORT, 'instruction_lines is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `instruction_lines_no_delete` BEFORE DELETE ON `instruction_lines` BEGIN SELECT RAISE(ABORT, 'instruction_lines is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `dedicated_accounts_no_update` BEFORE UPDATE ON `dedicated_accounts` BEGIN SELECT RAISE(ABORT, 'dedicated_accounts is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `dedicated_accounts_no_delete` BEFORE DELETE ON `dedicated_accounts` BEGIN SELECT RAISE(ABORT, 'dedicated_accounts is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `project_contracts_no_update` BEFORE UPDATE ON `project_contracts` BEGIN SELECT RAISE(ABORT, 'project_contracts is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `project_contracts_no_delete` BEFORE DELETE ON `project_contracts` BEGIN SELECT RAISE(ABORT, 'project_contracts is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `funding_periods_no_update` BEFORE UPDATE ON `funding_periods` BEGIN SELECT RAISE(ABORT, 'funding_periods is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `funding_periods_no_delete` BEFORE DELETE ON `funding_periods` BEGIN SELECT RAISE(ABORT, 'funding_periods is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `account_statements_no_update` BEFORE UPDATE ON `account_statements` BEGIN SELECT RAISE(ABORT, 'account_statements is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `account_statements_no_delete` BEFORE DELETE ON `account_statements` BEGIN SELECT RAISE(ABORT, 'account_statements is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `account_movements_no_update` BEFORE UPDATE ON `account_movements` BEGIN SELECT RAISE(ABORT, 'account_movements is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `account_movements_no_delete` BEFORE DELETE ON `account_movements` BEGIN SELECT RAISE(ABORT, 'account_movements is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `wage_deposits_no_update` BEFORE UPDATE ON `wage_deposits` BEGIN SELECT RAISE(ABORT, 'wage_deposits is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `wage_deposits_no_delete` BEFORE DELETE ON `wage_deposits` BEGIN SELECT RAISE(ABORT, 'wage_deposits is append-only: DELETE refused (record a correction instead)'); END;
