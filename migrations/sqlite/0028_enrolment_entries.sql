CREATE TABLE `enrolment_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`enrolment_id` text NOT NULL,
	`entry_date` text NOT NULL,
	`previous_entry_date` text NOT NULL,
	`reason` text NOT NULL,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enrolment_entries_enrolment` ON `enrolment_entries` (`enrolment_id`);--> statement-breakpoint
CREATE TRIGGER `enrolment_entries_no_update` BEFORE UPDATE ON `enrolment_entries` BEGIN SELECT RAISE(ABORT, 'enrolment_entries is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `enrolment_entries_no_delete` BEFORE DELETE ON `enrolment_entries` BEGIN SELECT RAISE(ABORT, 'enrolment_entries is append-only: DELETE refused (record a correction instead)'); END;
