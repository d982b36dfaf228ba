CREATE TABLE `upstream_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`record_id` integer NOT NULL,
	`action` text NOT NULL,
	`outcome` text NOT NULL,
	`at_ms` integer NOT NULL,
	`request_serial_code` text,
	`code` integer,
	`detail` text,
	FOREIGN KEY (`record_id`) REFERENCES `upstream_records`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `upstream_attempts_record` ON `upstream_attempts` (`record_id`,`id`);--> statement-breakpoint
CREATE TABLE `upstream_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`kind_rank` integer NOT NULL,
	`key` text NOT NULL,
	`revision` integer NOT NULL,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at_ms` integer NOT NULL,
	`claimed_by` text,
	`claimed_at_ms` integer,
	`request_serial_code` text,
	`batch_index` integer,
	`reason` text,
	`due_by_ms` integer,
	`created_at_ms` integer NOT NULL,
	`settled_at_ms` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `upstream_records_kind_key_revision` ON `upstream_records` (`kind`,`key`,`revision`);--> statement-breakpoint
CREATE INDEX `upstream_records_state_project_kind` ON `upstream_records` (`state`,`project_id`,`kind_rank`,`id`);--> statement-breakpoint
CREATE INDEX `upstream_records_serial` ON `upstream_records` (`request_serial_code`);