CREATE TABLE `account_movement_value_dates` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`account_no` text NOT NULL,
	`bank_ref` text NOT NULL,
	`statement_id` text NOT NULL,
	`value_date` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`statement_id`) REFERENCES `account_statements`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_movement_value_dates_project_ref` ON `account_movement_value_dates` (`project_id`,`account_no`,`bank_ref`);--> statement-breakpoint
CREATE TRIGGER `account_movement_value_dates_no_update` BEFORE UPDATE ON `account_movement_value_dates` BEGIN SELECT RAISE(ABORT, 'account_movement_value_dates is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `account_movement_value_dates_no_delete` BEFORE DELETE ON `account_movement_value_dates` BEGIN SELECT RAISE(ABORT, 'account_movement_value_dates is append-only: DELETE refused (record a correction instead)'); END;
