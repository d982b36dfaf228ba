CREATE TABLE `pay_items` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`period` text NOT NULL,
	`side` text NOT NULL,
	`reason` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`note` text,
	`withdraws_id` text,
	`entered_by` text NOT NULL,
	`entered_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pay_items_worker_period` ON `pay_items` (`project_id`,`worker_id`,`period`);--> statement-breakpoint
CREATE INDEX `pay_items_project_period` ON `pay_items` (`project_id`,`period`);--> statement-breakpoint
CREATE TABLE `payroll_line_answers` (
	`id` text PRIMARY KEY NOT NULL,
	`sheet_id` text NOT NULL,
	`line_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`decision` text NOT NULL,
	`channel` text NOT NULL,
	`note` text,
	`answered_at_ms` integer NOT NULL,
	FOREIGN KEY (`sheet_id`) REFERENCES `payroll_sheets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`line_id`) REFERENCES `payroll_sheet_lines`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payroll_line_answers_line` ON `payroll_line_answers` (`line_id`,`answered_at_ms`);--> statement-breakpoint
CREATE INDEX `payroll_line_answers_sheet` ON `payroll_line_answers` (`sheet_id`);--> statement-breakpoint
CREATE TABLE `payroll_sheet_events` (
	`id` text PRIMARY KEY NOT NULL,
	`sheet_id` text NOT NULL,
	`seq` integer NOT NULL,
	`state` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`sheet_id`) REFERENCES `payroll_sheets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payroll_sheet_events_sheet_seq` ON `payroll_sheet_events` (`sheet_id`,`seq`);--> statement-breakpoint
CREATE TABLE `payroll_sheet_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`sheet_id` text NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`line_no` integer NOT NULL,
	`worker_id` text NOT NULL,
	`enrolment_id` text NOT NULL,
	`worker_name` text NOT NULL,
	`id_number` text NOT NULL,
	`bank_name` text NOT NULL,
	`card_no` text NOT NULL,
	`day_halves` integer NOT NULL,
	`worked_minutes` integer NOT NULL,
	`payable_fen` integer NOT NULL,
	`deductions_fen` integer NOT NULL,
	`net_fen` integer NOT NULL,
	`items` text NOT NULL,
	`minimum_wage` text,
	FOREIGN KEY (`sheet_id`) REFERENCES `payroll_sheets`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payroll_sheet_lines_sheet_worker` ON `payroll_sheet_lines` (`sheet_id`,`worker_id`);--> statement-breakpoint
CREATE INDEX `payroll_sheet_lines_worker_period` ON `payroll_sheet_lines` (`project_id`,`worker_id`,`period`);--> statement-breakpoint
CREATE TABLE `payroll_sheets` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`team_id` text NOT NULL,
	`period` text NOT NULL,
	`version` integer NOT NULL,
	`supersedes_id` text,
	`pay_date` text NOT NULL,
	`worker_count` integer NOT NULL,
	`payable_fen` integer NOT NULL,
	`deductions_fen` integer NOT NULL,
	`net_fen` integer NOT NULL,
	`basis` text NOT NULL,
	`made_by` text NOT NULL,
	`made_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payroll_sheets_team_period_version` ON `payroll_sheets` (`project_id`,`team_id`,`period`,`version`);--> statement-breakpoint
CREATE INDEX `payroll_sheets_project_period` ON `payroll_sheets` (`project_id`,`period`);--> statement-breakpoint
CREATE TABLE `piece_quantities` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`enrolment_id` text NOT NULL,
	`period` text NOT NULL,
	`work_date` text NOT NULL,
	`item_kind` text NOT NULL,
	`quantity` text NOT NULL,
	`withdraws_id` text,
	`note` text,
	`entered_by` text NOT NULL,
	`entered_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `piece_quantities_worker_period` ON `piece_quantities` (`project_id`,`worker_id`,`period`);--> statement-breakpoint
CREATE INDEX `piece_quantities_project_period` ON `piece_quantities` (`project_id`,`period`);--> statement-breakpoint
CREATE TABLE `piece_quantity_answers` (
	`id` text PRIMARY KEY NOT NULL,
	`quantity_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`decision` text NOT NULL,
	`channel` text NOT NULL,
	`note` text,
	`answered_at_ms` integer NOT NULL,
	FOREIGN KEY (`quantity_id`) REFERENCES `piece_quantities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `piece_quantity_answers_quantity` ON `piece_quantity_answers` (`quantity_id`,`answered_at_ms`);--> statement-breakpoint
CREATE TABLE `wage_terms` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`enrolment_id` text NOT NULL,
	`effective_from` text NOT NULL,
	`kind` text NOT NULL,
	`terms` text NOT NULL,
	`reason` text NOT NULL,
	`recorded_by` text NOT NULL,
	`recorded_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `wage_terms_enrolment` ON `wage_terms` (`enrolment_id`,`effective_from`,`recorded_at_ms`);--> statement-breakpoint
CREATE INDEX `wage_terms_project` ON `wage_terms` (`project_id`);--> statement-breakpoint
CREATE TABLE `instruction_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`instruction_id` text NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`worker_id` text NOT NULL,
	`sheet_line_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`previous_line_id` text,
	`end_to_end_id` text NOT NULL,
	`payee_name` text NOT NULL,
	`card_no` text NOT NULL,
	`bank_name` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`reason` text NOT NULL,
	FOREIGN KEY (`instruction_id`) REFERENCES `payment_instructions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sheet_line_id`) REFERENCES `payroll_sheet_lines`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instruction_lines_end_to_end_id_unique` ON `instruction_lines` (`end_to_end_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `instruction_lines_worker_attempt` ON `instruction_lines` (`project_id`,`period`,`worker_id`,`attempt`);--> statement-breakpoint
CREATE INDEX `instruction_lines_instruction` ON `instruction_lines` (`instruction_id`);--> statement-breakpoint
CREATE TABLE `payment_instructions` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`sheet_id` text,
	`msg_id` text NOT NULL,
	`debtor_account_no` text NOT NULL,
	`debtor_name` text NOT NULL,
	`debtor_bank_code` text,
	`requested_on` text NOT NULL,
	`tx_count` integer NOT NULL,
	`ctrl_sum_fen` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`sheet_id`) REFERENCES `payroll_sheets`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payment_instructions_msg_id_unique` ON `payment_instructions` (`msg_id`);--> statement-breakpoint
CREATE INDEX `payment_instructions_project_period` ON `payment_instructions` (`project_id`,`period`);--> statement-breakpoint
CREATE TABLE `account_movements` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`statement_id` text NOT NULL,
	`account_no` text NOT NULL,
	`bank_ref` text NOT NULL,
	`booking_date` text NOT NULL,
	`value_date` text NOT NULL,
	`direction` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`counterparty_account_no` text NOT NULL,
	`counterparty_name` text NOT NULL,
	`reversal_of` text,
	`end_to_end_id` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`statement_id`) REFERENCES `account_statements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_movements_project_ref` ON `account_movements` (`project_id`,`account_no`,`bank_ref`);--> statement-breakpoint
CREATE INDEX `account_movements_project_date` ON `account_movements` (`project_id`,`booking_date`);--> statement-breakpoint
CREATE TABLE `account_statements` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`format` text NOT NULL,
	`sha256` text NOT NULL,
	`filename` text,
	`account_no` text NOT NULL,
	`line_count` integer NOT NULL,
	`new_line_count` integer NOT NULL,
	`posted_by` text NOT NULL,
	`posted_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_statements_project_sha` ON `account_statements` (`project_id`,`sha256`);--> statement-breakpoint
CREATE TABLE `dedicated_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`bank` text NOT NULL,
	`bank_code` text NOT NULL,
	`account_no` text NOT NULL,
	`account_name` text NOT NULL,
	`opened_on` text NOT NULL,
	`opening_fen` integer NOT NULL,
	`reason` text NOT NULL,
	`recorded_by` text NOT NULL,
	`recorded_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `dedicated_accounts_project` ON `dedicated_accounts` (`project_id`,`recorded_at_ms`);--> statement-breakpoint
CREATE TABLE `funding_periods` (
	`id` text PRIMARY KEY NOT NULL,
	`contract_id` text NOT NULL,
	`project_id` text NOT NULL,
	`period_id` text NOT NULL,
	`due_on` text NOT NULL,
	`amount_kind` text NOT NULL,
	`amount_fen` integer,
	`share_bp` integer,
	FOREIGN KEY (`contract_id`) REFERENCES `project_contracts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `funding_periods_contract_period` ON `funding_periods` (`contract_id`,`period_id`);--> statement-breakpoint
CREATE INDEX `funding_periods_project` ON `funding_periods` (`project_id`);--> statement-breakpoint
CREATE TABLE `project_contracts` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`contract_amount_fen` integer NOT NULL,
	`labour_cost_fen` integer NOT NULL,
	`funder_account_nos` text NOT NULL,
	`signed_on` text NOT NULL,
	`reason` text NOT NULL,
	`recorded_by` text NOT NULL,
	`recorded_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `project_contracts_project` ON `project_contracts` (`project_id`,`recorded_at_ms`);--> statement-breakpoint
CREATE TABLE `wage_deposits` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`contractor_id` text NOT NULL,
	`form` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`issuer` text NOT NULL,
	`reference` text NOT NULL,
	`effective_on` text NOT NULL,
	`expires_on` text,
	`withdraws_id` text,
	`reason` text NOT NULL,
	`recorded_by` text NOT NULL,
	`recorded_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`contractor_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `wage_deposits_project` ON `wage_deposits` (`project_id`);--> statement-breakpoint
ALTER TABLE `payout_lines` ADD `payer_account_no` text;--> statement-breakpoint
ALTER TABLE `payout_lines` ADD `end_to_end_id` text;