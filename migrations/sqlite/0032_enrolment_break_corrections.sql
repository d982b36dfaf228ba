CREATE TABLE `enrolment_break_corrections` (
	`id` text PRIMARY KEY NOT NULL,
	`enrolment_id` text NOT NULL,
	`exit_date` text NOT NULL,
	`return_date` text NOT NULL,
	`previous_exit_date` text NOT NULL,
	`previous_return_date` text NOT NULL,
	`reason` text NOT NULL,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enrolment_break_corrections_enrolment` ON `enrolment_break_corrections` (`enrolment_id`);--> statement-breakpoint
CREATE TRIGGER `enrolment_break_corrections_no_update` BEFORE UPDATE ON `enrolment_break_corrections` BEGIN SELECT RAISE(ABORT, 'enrolment_break_corrections is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `enrolment_break_corrections_no_delete` BEFORE DELETE ON `enrolment_break_corrections` BEGIN SELECT RAISE(ABORT, 'enrolment_break_corrections is append-only: DELETE refused (record a correction instead)'); END;
