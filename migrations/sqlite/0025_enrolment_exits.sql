CREATE TABLE `enrolment_exits` (
	`id` text PRIMARY KEY NOT NULL,
	`enrolment_id` text NOT NULL,
	`exit_date` text NOT NULL,
	`last_attended_on` text,
	`reason` text,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enrolment_exits_enrolment` ON `enrolment_exits` (`enrolment_id`);--> statement-breakpoint
CREATE TRIGGER `enrolment_exits_no_update` BEFORE UPDATE ON `enrolment_exits` BEGIN SELECT RAISE(ABORT, 'enrolment_exits is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `enrolment_exits_no_delete` BEFORE DELETE ON `enrolment_exits` BEGIN SELECT RAISE(ABORT, 'enrolment_exits is append-only: DELETE refused (record a correction instead)'); END;
