CREATE TABLE `device_contacts` (
	`device_id` text PRIMARY KEY NOT NULL,
	`serial` text NOT NULL,
	`last_at_ms` integer NOT NULL,
	`kind` text NOT NULL,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `device_incident_events` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`device_id` text NOT NULL,
	`serial` text NOT NULL,
	`incident_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`body` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`device_id`) REFERENCES `devices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_incident_events_device_seq` ON `device_incident_events` (`device_id`,`seq`);--> statement-breakpoint
CREATE INDEX `device_incident_events_project_at` ON `device_incident_events` (`project_id`,`at_ms`);--> statement-breakpoint
CREATE INDEX `device_incident_events_incident` ON `device_incident_events` (`incident_id`);