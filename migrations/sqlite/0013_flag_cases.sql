CREATE TABLE `flag_case_events` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`month` text NOT NULL,
	`case_key` text NOT NULL,
	`case_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`run_id` text,
	`actor` text,
	`body` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `flag_case_events_case_seq` ON `flag_case_events` (`case_key`,`seq`);--> statement-breakpoint
CREATE INDEX `flag_case_events_project_month` ON `flag_case_events` (`project_id`,`month`);--> statement-breakpoint
CREATE INDEX `flag_case_events_case_id` ON `flag_case_events` (`case_id`);--> statement-breakpoint
-- A case's history is ledger too: append-only like migrations/sqlite/0009_append_only.sql.
CREATE TRIGGER `flag_case_events_no_update` BEFORE UPDATE ON `flag_case_events` BEGIN SELECT RAISE(ABORT, 'flag_case_events is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `flag_case_events_no_delete` BEFORE DELETE ON `flag_case_events` BEGIN SELECT RAISE(ABORT, 'flag_case_events is append-only: DELETE refused (record a correction instead)'); END;
