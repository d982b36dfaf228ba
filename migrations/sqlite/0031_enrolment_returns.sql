CREATE TABLE `enrolment_returns` (
	`id` text PRIMARY KEY NOT NULL,
	`enrolment_id` text NOT NULL,
	`return_date` text NOT NULL,
	`exit_date` text NOT NULL,
	`reason` text,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enrolment_returns_enrolment` ON `enrolment_returns` (`enrolment_id`);--> statement-breakpoint
ALTER TABLE `enrolments` ADD `breaks` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE TRIGGER `enrolment_returns_no_update` BEFORE UPDATE ON `enrolment_returns` BEGIN SELECT RAISE(ABORT, 'enrolment_returns is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `enrolment_returns_no_delete` BEFORE DELETE ON `enrolment_returns` BEGIN SELECT RAISE(ABORT, 'enrolment_returns is append-only: DELETE refused (record a correction instead)'); END;
