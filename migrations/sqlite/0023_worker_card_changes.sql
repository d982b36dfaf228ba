CREATE TABLE `worker_card_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`worker_id` text NOT NULL,
	`seq` integer NOT NULL,
	`previous_bank_name` text NOT NULL,
	`previous_card_no` text NOT NULL,
	`bank_name` text NOT NULL,
	`card_no` text NOT NULL,
	`reason` text NOT NULL,
	`actor` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`worker_id`) REFERENCES `workers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `worker_card_changes_worker_seq` ON `worker_card_changes` (`worker_id`,`seq`);--> statement-breakpoint
CREATE INDEX `worker_card_changes_previous_card` ON `worker_card_changes` (`previous_card_no`);--> statement-breakpoint
CREATE TRIGGER `worker_card_changes_no_update` BEFORE UPDATE ON `worker_card_changes` BEGIN SELECT RAISE(ABORT, 'worker_card_changes is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `worker_card_changes_no_delete` BEFORE DELETE ON `worker_card_changes` BEGIN SELECT RAISE(ABORT, 'worker_card_changes is append-only: DELETE refused (record a correction instead)'); END;
