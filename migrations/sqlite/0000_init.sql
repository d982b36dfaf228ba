CREATE TABLE `devices` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`serial` text NOT NULL,
	`model` text NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`location` text,
	`installed_at_ms` integer NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devices_serial_unique` ON `devices` (`serial`);--> statement-breakpoint
CREATE INDEX `devices_project` ON `devices` (`project_id`);--> statement-breakpoint
CREATE TABLE `enrolments` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`team_id` text NOT NULL,
	`device_user_id` text,
	`daily_rate_fen` integer NOT NULL,
	`contract_no` text,
	`safety_trained` integer NOT NULL,
	`entry_date` text NOT NULL,
	`exit_date` text,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `enrolments_project_worker` ON `enrolments` (`project_id`,`worker_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `enrolments_project_device_user` ON `enrolments` (`project_id`,`device_user_id`);--> statement-breakpoint
CREATE TABLE `organisations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`credit_code` text NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organisations_credit_code_unique` ON `organisations` (`credit_code`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` text PRIMARY KEY NOT NULL,
	`site_code` text NOT NULL,
	`name` text NOT NULL,
	`region_code` text NOT NULL,
	`time_zone` text NOT NULL,
	`pay_day` integer NOT NULL,
	`construction_unit_id` text NOT NULL,
	`general_contractor_id` text NOT NULL,
	`account_bank` text NOT NULL,
	`account_no` text NOT NULL,
	`account_name` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`construction_unit_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`general_contractor_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `projects_site_code_unique` ON `projects` (`site_code`);--> statement-breakpoint
CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`employer_id` text NOT NULL,
	`name` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`employer_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_project_name` ON `teams` (`project_id`,`name`);--> statement-breakpoint
CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`id_type` text NOT NULL,
	`id_number` text NOT NULL,
	`gender` text NOT NULL,
	`birth_date` text NOT NULL,
	`ethnicity` text,
	`address` text,
	`phone` text,
	`trade` text,
	`bank_name` text NOT NULL,
	`card_no` text NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workers_id_number_unique` ON `workers` (`id_number`);--> statement-breakpoint
CREATE INDEX `workers_card_no` ON `workers` (`card_no`);--> statement-breakpoint
CREATE TABLE `duplicate_counts` (
	`device_id` text NOT NULL,
	`received_date` text NOT NULL,
	`count` integer NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `duplicate_counts_device_date` ON `duplicate_counts` (`device_id`,`received_date`);--> statement-breakpoint
CREATE TABLE `punches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`device_id` text NOT NULL,
	`record_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`enrolment_id` text NOT NULL,
	`device_time_ms` integer NOT NULL,
	`received_at_ms` integer NOT NULL,
	`work_date` text NOT NULL,
	`direction` text NOT NULL,
	`verify_method` text NOT NULL,
	`channel` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `punches_device_record` ON `punches` (`device_id`,`record_id`);--> statement-breakpoint
CREATE INDEX `punches_project_date` ON `punches` (`project_id`,`work_date`);--> statement-breakpoint
CREATE TABLE `rejected_inputs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`channel` text NOT NULL,
	`sender` text,
	`project_id` text,
	`device_serial` text,
	`record_id` text,
	`reason` text NOT NULL,
	`detail` text NOT NULL,
	`payload` blob NOT NULL,
	`payload_bytes` integer NOT NULL,
	`received_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `rejected_project` ON `rejected_inputs` (`project_id`,`id`);--> statement-breakpoint
CREATE INDEX `rejected_reason` ON `rejected_inputs` (`reason`);--> statement-breakpoint
CREATE TABLE `flags` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`kind` text NOT NULL,
	`worker_id` text,
	`payee_card` text,
	`due_fen` integer,
	`paid_fen` integer,
	`evidence` text NOT NULL,
	`raised_at_ms` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `reconciliation_runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `flags_run` ON `flags` (`run_id`);--> statement-breakpoint
CREATE INDEX `flags_project_period` ON `flags` (`project_id`,`period`);--> statement-breakpoint
CREATE TABLE `payout_files` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`sha256` text NOT NULL,
	`filename` text,
	`encoding` text NOT NULL,
	`line_count` integer NOT NULL,
	`success_count` integer NOT NULL,
	`success_fen` integer NOT NULL,
	`failed_count` integer NOT NULL,
	`failed_fen` integer NOT NULL,
	`posted_by` text,
	`posted_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payout_files_project_sha` ON `payout_files` (`project_id`,`sha256`);--> statement-breakpoint
CREATE INDEX `payout_files_period` ON `payout_files` (`project_id`,`period`);--> statement-breakpoint
CREATE TABLE `payout_lines` (
	`id` text PRIMARY KEY NOT NULL,
	`file_id` text NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`line_no` integer NOT NULL,
	`seq` integer NOT NULL,
	`payee_card` text NOT NULL,
	`payee_name` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`status` text NOT NULL,
	`bank_ref` text NOT NULL,
	`value_date` text NOT NULL,
	`failure_reason` text,
	FOREIGN KEY (`file_id`) REFERENCES `payout_files`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payout_lines_project_period` ON `payout_lines` (`project_id`,`period`);--> statement-breakpoint
CREATE INDEX `payout_lines_file` ON `payout_lines` (`file_id`);--> statement-breakpoint
CREATE TABLE `reconciliation_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`pay_date` text NOT NULL,
	`workers` integer NOT NULL,
	`due_fen` integer NOT NULL,
	`paid_fen` integer NOT NULL,
	`unknown_paid_fen` integer NOT NULL,
	`short_fen` integer NOT NULL,
	`flag_count` integer NOT NULL,
	`trigger` text NOT NULL,
	`ran_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `reconciliation_runs_project_period` ON `reconciliation_runs` (`project_id`,`period`,`ran_at_ms`);