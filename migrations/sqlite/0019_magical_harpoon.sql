CREATE TABLE `project_contacts` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`labour_manager_name` text NOT NULL,
	`labour_manager_phone` text NOT NULL,
	`local_complaint_name` text,
	`local_complaint_phone` text,
	`reason` text NOT NULL,
	`recorded_by` text NOT NULL,
	`recorded_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `project_contacts_project` ON `project_contacts` (`project_id`,`recorded_at_ms`);