DROP INDEX `instruction_lines_end_to_end_id_unique`;--> statement-breakpoint
CREATE UNIQUE INDEX `instruction_lines_project_end_to_end_id` ON `instruction_lines` (`project_id`,`end_to_end_id`);