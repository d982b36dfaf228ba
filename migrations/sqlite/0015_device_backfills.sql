CREATE TABLE `device_backfill_events` (
	`id` text PRIMARY KEY NOT NULL,
	`backfill_id` text NOT NULL,
	`type` text NOT NULL,
	`return_code` integer,
	`detail` text,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`backfill_id`) REFERENCES `device_backfills`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_backfill_events_type` ON `device_backfill_events` (`backfill_id`,`type`);--> statement-breakpoint
CREATE TABLE `device_backfills` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`device_id` text NOT NULL,
	`device_serial` text NOT NULL,
	`command_no` integer NOT NULL,
	`kind` text NOT NULL,
	`gap_key` text NOT NULL,
	`attempt` integer NOT NULL,
	`record_from` integer,
	`record_to` integer,
	`window_from_ms` integer NOT NULL,
	`window_to_ms` integer NOT NULL,
	`command` text NOT NULL,
	`requested_by` text NOT NULL,
	`requested_at_ms` integer NOT NULL,
	`expires_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_backfills_device_command` ON `device_backfills` (`device_id`,`command_no`);--> statement-breakpoint
CREATE UNIQUE INDEX `device_backfills_gap_attempt` ON `device_backfills` (`device_id`,`gap_key`,`attempt`);--> statement-breakpoint
CREATE INDEX `device_backfills_project` ON `device_backfills` (`project_id`,`requested_at_ms`);