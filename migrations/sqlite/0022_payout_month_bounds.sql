CREATE TABLE `payout_month_bounds` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`period` text NOT NULL,
	`file_id` text NOT NULL,
	`line_count` integer NOT NULL,
	`card_peak_fen` integer NOT NULL,
	`computed_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`file_id`) REFERENCES `payout_files`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `payout_month_bounds_project_period` ON `payout_month_bounds` (`project_id`,`period`,`line_count`);--> statement-breakpoint
CREATE TRIGGER `payout_month_bounds_no_update` BEFORE UPDATE ON `payout_month_bounds` BEGIN SELECT RAISE(ABORT, 'payout_month_bounds is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `payout_month_bounds_no_delete` BEFORE DELETE ON `payout_month_bounds` BEGIN SELECT RAISE(ABORT, 'payout_month_bounds is append-only: DELETE refused (record a correction instead)'); END;
