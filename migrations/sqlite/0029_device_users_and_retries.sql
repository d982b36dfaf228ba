CREATE TABLE `enrolment_device_users` (
	`id` text PRIMARY KEY NOT NULL,
	`enrolment_id` text NOT NULL,
	`device_user_id` text NOT NULL,
	`previous_device_user_id` text,
	`reason` text NOT NULL,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`enrolment_id`) REFERENCES `enrolments`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `enrolment_device_users_enrolment` ON `enrolment_device_users` (`enrolment_id`);--> statement-breakpoint
CREATE TABLE `rejected_input_retries` (
	`id` text PRIMARY KEY NOT NULL,
	`rejected_id` integer NOT NULL,
	`outcome` text NOT NULL,
	`refused_reason` text,
	`refused_detail` text,
	`reason` text NOT NULL,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`rejected_id`) REFERENCES `rejected_inputs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `rejected_input_retries_rejected` ON `rejected_input_retries` (`rejected_id`);--> statement-breakpoint
CREATE TRIGGER `enrolment_device_users_no_update` BEFORE UPDATE ON `enrolment_device_users` BEGIN SELECT RAISE(ABORT, 'enrolment_device_users is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `enrolment_device_users_no_delete` BEFORE DELETE ON `enrolment_device_users` BEGIN SELECT RAISE(ABORT, 'enrolment_device_users is append-only: DELETE refused (record a correction instead)'); END;--> statement-breakpoint
CREATE TRIGGER `rejected_input_retries_no_update` BEFORE UPDATE ON `rejected_input_retries` BEGIN SELECT RAISE(ABORT, 'rejected_input_retries is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `rejected_input_retries_no_delete` BEFORE DELETE ON `rejected_input_retries` BEGIN SELECT RAISE(ABORT, 'rejected_input_retries is append-only: DELETE refused (record a correction instead)'); END;
