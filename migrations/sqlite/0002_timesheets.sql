CREATE TABLE `corrections` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`work_date` text NOT NULL,
	`kind` text NOT NULL,
	`punch_id` integer,
	`at_ms` integer,
	`direction` text,
	`status` text,
	`revokes_id` text,
	`reason` text NOT NULL,
	`author` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `corrections_worker_date` ON `corrections` (`project_id`,`worker_id`,`work_date`);--> statement-breakpoint
CREATE INDEX `corrections_project_date` ON `corrections` (`project_id`,`work_date`);--> statement-breakpoint
CREATE TABLE `timesheet_adjustments` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`team_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`confirmation_id` text NOT NULL,
	`work_date` text NOT NULL,
	`recorded_month` text NOT NULL,
	`cause` text NOT NULL,
	`before_status` text NOT NULL,
	`after_status` text NOT NULL,
	`before_halves` integer NOT NULL,
	`after_halves` integer NOT NULL,
	`before_minutes` integer NOT NULL,
	`after_minutes` integer NOT NULL,
	`detail` text NOT NULL,
	`recorded_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`confirmation_id`) REFERENCES `timesheet_confirmations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `timesheet_adjustments_worker_date` ON `timesheet_adjustments` (`project_id`,`worker_id`,`work_date`);--> statement-breakpoint
CREATE INDEX `timesheet_adjustments_recorded` ON `timesheet_adjustments` (`project_id`,`recorded_month`);--> statement-breakpoint
CREATE TABLE `timesheet_confirmations` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`team_id` text NOT NULL,
	`month` text NOT NULL,
	`confirmed_by` text NOT NULL,
	`note` text,
	`snapshot` text NOT NULL,
	`confirmed_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `timesheet_confirmations_team_month` ON `timesheet_confirmations` (`project_id`,`team_id`,`month`);--> statement-breakpoint
CREATE TABLE `worker_confirmations` (
	`id` text PRIMARY KEY NOT NULL,
	`confirmation_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`decision` text NOT NULL,
	`channel` text NOT NULL,
	`note` text,
	`recorded_at_ms` integer NOT NULL,
	FOREIGN KEY (`confirmation_id`) REFERENCES `timesheet_confirmations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `worker_confirmations_confirmation` ON `worker_confirmations` (`confirmation_id`,`worker_id`);--> statement-breakpoint
DROP INDEX `punches_project_date`;--> statement-breakpoint
ALTER TABLE `punches` ADD `clock_suspect` text;--> statement-breakpoint
CREATE INDEX `punches_project_date_worker` ON `punches` (`project_id`,`work_date`,`worker_id`);--> statement-breakpoint
CREATE INDEX `punches_project_received` ON `punches` (`project_id`,`received_at_ms`);--> statement-breakpoint
ALTER TABLE `projects` ADD `debounce_minutes` integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `max_shift_minutes` integer DEFAULT 960 NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `incomplete_day_policy` text DEFAULT 'needs_review' NOT NULL;--> statement-breakpoint
ALTER TABLE `projects` ADD `clock_ahead_minutes` integer DEFAULT 10 NOT NULL;