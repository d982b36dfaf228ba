CREATE TABLE `clue_events` (
	`id` text PRIMARY KEY NOT NULL,
	`clue_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`body` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`clue_id`) REFERENCES `clues`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clue_events_clue_seq` ON `clue_events` (`clue_id`,`seq`);--> statement-breakpoint
CREATE INDEX `clue_events_type_at` ON `clue_events` (`type`,`at_ms`);--> statement-breakpoint
CREATE TABLE `clues` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text,
	`employer_credit_code` text,
	`worker_id` text,
	`channel` text NOT NULL,
	`summary` text NOT NULL,
	`headcount` integer NOT NULL,
	`amount_fen` integer NOT NULL,
	`external_ref` text,
	`received_at_ms` integer NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `clues_project` ON `clues` (`project_id`,`received_at_ms`);--> statement-breakpoint
CREATE UNIQUE INDEX `clues_channel_ref` ON `clues` (`channel`,`external_ref`);--> statement-breakpoint
CREATE TABLE `credit_record_events` (
	`id` text PRIMARY KEY NOT NULL,
	`record_id` text NOT NULL,
	`type` text NOT NULL,
	`actor` text NOT NULL,
	`reason` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`record_id`) REFERENCES `credit_records`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_record_events_record_type` ON `credit_record_events` (`record_id`,`type`);--> statement-breakpoint
CREATE TABLE `credit_records` (
	`id` text PRIMARY KEY NOT NULL,
	`credit_code` text NOT NULL,
	`employer_name` text NOT NULL,
	`organisation_id` text,
	`reason` text NOT NULL,
	`period_from` text NOT NULL,
	`period_to` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`recorded_on` text NOT NULL,
	`source_kind` text NOT NULL,
	`source_id` text NOT NULL,
	`rule_version` text NOT NULL,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_records_source` ON `credit_records` (`source_kind`,`source_id`);--> statement-breakpoint
CREATE INDEX `credit_records_credit_code` ON `credit_records` (`credit_code`,`recorded_on`);--> statement-breakpoint
CREATE TABLE `employer_signals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`import_id` text NOT NULL,
	`row_no` integer NOT NULL,
	`credit_code` text NOT NULL,
	`employer_name` text NOT NULL,
	`signal` text NOT NULL,
	`source` text NOT NULL,
	`period` text NOT NULL,
	`amount_fen` integer,
	`severity` integer NOT NULL,
	FOREIGN KEY (`import_id`) REFERENCES `signal_imports`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `employer_signals_import_row` ON `employer_signals` (`import_id`,`row_no`);--> statement-breakpoint
CREATE INDEX `employer_signals_credit_period` ON `employer_signals` (`credit_code`,`period`);--> statement-breakpoint
CREATE INDEX `employer_signals_period` ON `employer_signals` (`period`);--> statement-breakpoint
CREATE TABLE `incident_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`reported_to` text NOT NULL,
	`note` text,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `major_incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `incident_reports_incident` ON `incident_reports` (`incident_id`,`at_ms`);--> statement-breakpoint
CREATE TABLE `major_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`source_kind` text NOT NULL,
	`source_id` text NOT NULL,
	`project_id` text,
	`headcount` integer NOT NULL,
	`amount_fen` integer NOT NULL,
	`reasons` text NOT NULL,
	`became_major_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `major_incidents_source` ON `major_incidents` (`source_kind`,`source_id`);--> statement-breakpoint
CREATE INDEX `major_incidents_at` ON `major_incidents` (`became_major_at_ms`);--> statement-breakpoint
CREATE TABLE `risk_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`month` text NOT NULL,
	`formula_version` text NOT NULL,
	`actor` text NOT NULL,
	`project_count` integer NOT NULL,
	`employer_count` integer NOT NULL,
	`started_at_ms` integer NOT NULL,
	`finished_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `risk_runs_month` ON `risk_runs` (`month`,`finished_at_ms`);--> statement-breakpoint
CREATE TABLE `risk_scores` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`month` text NOT NULL,
	`subject_kind` text NOT NULL,
	`subject_id` text NOT NULL,
	`region_code` text,
	`formula_version` text NOT NULL,
	`points` integer NOT NULL,
	`level` text NOT NULL,
	`parts` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `risk_runs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `risk_scores_run_subject` ON `risk_scores` (`run_id`,`subject_kind`,`subject_id`);--> statement-breakpoint
CREATE INDEX `risk_scores_subject_month` ON `risk_scores` (`subject_kind`,`subject_id`,`month`);--> statement-breakpoint
CREATE INDEX `risk_scores_month_points` ON `risk_scores` (`month`,`subject_kind`,`points`);--> statement-breakpoint
CREATE TABLE `signal_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`file_hash` text NOT NULL,
	`filename` text NOT NULL,
	`format` text NOT NULL,
	`row_count` integer NOT NULL,
	`imported_by` text NOT NULL,
	`reason` text,
	`at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signal_imports_file_hash` ON `signal_imports` (`file_hash`);
--> statement-breakpoint
-- The early warning's history is ledger too (imports, scores, clues, incidents, credit records): append-only.
CREATE TRIGGER `signal_imports_no_update` BEFORE UPDATE ON `signal_imports` BEGIN SELECT RAISE(ABORT, 'signal_imports is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `signal_imports_no_delete` BEFORE DELETE ON `signal_imports` BEGIN SELECT RAISE(ABORT, 'signal_imports is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `employer_signals_no_update` BEFORE UPDATE ON `employer_signals` BEGIN SELECT RAISE(ABORT, 'employer_signals is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `employer_signals_no_delete` BEFORE DELETE ON `employer_signals` BEGIN SELECT RAISE(ABORT, 'employer_signals is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `risk_runs_no_update` BEFORE UPDATE ON `risk_runs` BEGIN SELECT RAISE(ABORT, 'risk_runs is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `risk_runs_no_delete` BEFORE DELETE ON `risk_runs` BEGIN SELECT RAISE(ABORT, 'risk_runs is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `risk_scores_no_update` BEFORE UPDATE ON `risk_scores` BEGIN SELECT RAISE(ABORT, 'risk_scores is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `risk_scores_no_delete` BEFORE DELETE ON `risk_scores` BEGIN SELECT RAISE(ABORT, 'risk_scores is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `clues_no_update` BEFORE UPDATE ON `clues` BEGIN SELECT RAISE(ABORT, 'clues is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `clues_no_delete` BEFORE DELETE ON `clues` BEGIN SELECT RAISE(ABORT, 'clues is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `clue_events_no_update` BEFORE UPDATE ON `clue_events` BEGIN SELECT RAISE(ABORT, 'clue_events is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `clue_events_no_delete` BEFORE DELETE ON `clue_events` BEGIN SELECT RAISE(ABORT, 'clue_events is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `major_incidents_no_update` BEFORE UPDATE ON `major_incidents` BEGIN SELECT RAISE(ABORT, 'major_incidents is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `major_incidents_no_delete` BEFORE DELETE ON `major_incidents` BEGIN SELECT RAISE(ABORT, 'major_incidents is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `incident_reports_no_update` BEFORE UPDATE ON `incident_reports` BEGIN SELECT RAISE(ABORT, 'incident_reports is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `incident_reports_no_delete` BEFORE DELETE ON `incident_reports` BEGIN SELECT RAISE(ABORT, 'incident_reports is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `credit_records_no_update` BEFORE UPDATE ON `credit_records` BEGIN SELECT RAISE(ABORT, 'credit_records is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `credit_records_no_delete` BEFORE DELETE ON `credit_records` BEGIN SELECT RAISE(ABORT, 'credit_records is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `credit_record_events_no_update` BEFORE UPDATE ON `credit_record_events` BEGIN SELECT RAISE(ABORT, 'credit_record_events is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `credit_record_events_no_delete` BEFORE DELETE ON `credit_record_events` BEGIN SELECT RAISE(ABORT, 'credit_record_events is append-only: DELETE refused (record a correction instead)'); END;
