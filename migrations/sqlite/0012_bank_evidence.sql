DROP INDEX `payout_lines_project_bank_ref`;--> statement-breakpoint
ALTER TABLE `payout_lines` ADD `reason_code` text;--> statement-breakpoint
ALTER TABLE `payout_lines` ADD `return_of_end_to_end_id` text;--> statement-breakpoint
ALTER TABLE `payout_lines` ADD `return_of_bank_ref` text;--> statement-breakpoint
ALTER TABLE `payout_lines` ADD `uetr` text;--> statement-breakpoint
CREATE UNIQUE INDEX `payout_lines_project_bank_ref_status` ON `payout_lines` (`project_id`,`bank_ref`,`status`);--> statement-breakpoint
ALTER TABLE `payout_files` ADD `format` text DEFAULT 'delimited' NOT NULL;--> statement-breakpoint
ALTER TABLE `payout_files` ADD `variant` text;--> statement-breakpoint
ALTER TABLE `payout_files` ADD `message_id` text;--> statement-breakpoint
ALTER TABLE `payout_files` ADD `pending_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `payout_files` ADD `returned_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `payout_files` ADD `returned_fen` integer DEFAULT 0 NOT NULL;