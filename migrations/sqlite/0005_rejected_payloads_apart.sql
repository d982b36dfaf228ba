CREATE TABLE `rejected_payloads` (
	`rejected_id` integer PRIMARY KEY NOT NULL,
	`payload` blob NOT NULL,
	FOREIGN KEY (`rejected_id`) REFERENCES `rejected_inputs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
-- Hand-added: the bytes already kept move with their id before the column goes.
INSERT INTO `rejected_payloads` (`rejected_id`, `payload`) SELECT `id`, `payload` FROM `rejected_inputs`;
--> statement-breakpoint
ALTER TABLE `rejected_inputs` DROP COLUMN `payload`;