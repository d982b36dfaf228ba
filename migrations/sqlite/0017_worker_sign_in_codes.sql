CREATE TABLE `worker_sign_in_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`issued_by` text NOT NULL,
	`issued_at_ms` integer NOT NULL,
	`expires_at_ms` integer NOT NULL,
	`failed_attempts` integer DEFAULT 0 NOT NULL,
	`used_at_ms` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `worker_sign_in_codes_worker` ON `worker_sign_in_codes` (`project_id`,`worker_id`,`issued_at_ms`);