CREATE TABLE `webhook_attempt_results` (
	`delivery_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`finished_at_ms` integer NOT NULL,
	`status_code` integer,
	`error` text,
	`outcome` text NOT NULL,
	`next_at_ms` integer,
	`reason` text,
	FOREIGN KEY (`delivery_id`) REFERENCES `webhook_deliveries`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_attempt_results_delivery_attempt` ON `webhook_attempt_results` (`delivery_id`,`attempt`);--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`delivery_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`claimed_by` text NOT NULL,
	`started_at_ms` integer NOT NULL,
	FOREIGN KEY (`delivery_id`) REFERENCES `webhook_deliveries`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_attempts_delivery_attempt` ON `webhook_attempts` (`delivery_id`,`attempt`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`endpoint_id` text NOT NULL,
	`event_id` text NOT NULL,
	`project_id` text NOT NULL,
	`type` text NOT NULL,
	`body` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_endpoint_event` ON `webhook_deliveries` (`endpoint_id`,`event_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_created` ON `webhook_deliveries` (`created_at_ms`);--> statement-breakpoint
CREATE TABLE `webhook_endpoint_disablements` (
	`endpoint_id` text PRIMARY KEY NOT NULL,
	`disabled_by` text NOT NULL,
	`disabled_at_ms` integer NOT NULL,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `webhook_endpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`secret` text NOT NULL,
	`project_id` text,
	`created_by` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE no action
);--> statement-breakpoint
-- Endpoints, the outbox and the delivery log are append-only like migrations/sqlite/0009_append_only.sql: disabling an
-- endpoint and every attempt are rows of their own.
CREATE TRIGGER `webhook_endpoints_no_update` BEFORE UPDATE ON `webhook_endpoints` BEGIN SELECT RAISE(ABORT, 'webhook_endpoints is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_endpoints_no_delete` BEFORE DELETE ON `webhook_endpoints` BEGIN SELECT RAISE(ABORT, 'webhook_endpoints is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_endpoint_disablements_no_update` BEFORE UPDATE ON `webhook_endpoint_disablements` BEGIN SELECT RAISE(ABORT, 'webhook_endpoint_disablements is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_endpoint_disablements_no_delete` BEFORE DELETE ON `webhook_endpoint_disablements` BEGIN SELECT RAISE(ABORT, 'webhook_endpoint_disablements is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_deliveries_no_update` BEFORE UPDATE ON `webhook_deliveries` BEGIN SELECT RAISE(ABORT, 'webhook_deliveries is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_deliveries_no_delete` BEFORE DELETE ON `webhook_deliveries` BEGIN SELECT RAISE(ABORT, 'webhook_deliveries is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_attempts_no_update` BEFORE UPDATE ON `webhook_attempts` BEGIN SELECT RAISE(ABORT, 'webhook_attempts is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_attempts_no_delete` BEFORE DELETE ON `webhook_attempts` BEGIN SELECT RAISE(ABORT, 'webhook_attempts is append-only: DELETE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_attempt_results_no_update` BEFORE UPDATE ON `webhook_attempt_results` BEGIN SELECT RAISE(ABORT, 'webhook_attempt_results is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `webhook_attempt_results_no_delete` BEFORE DELETE ON `webhook_attempt_results` BEGIN SELECT RAISE(ABORT, 'webhook_attempt_results is append-only: DELETE refused (record a correction instead)'); END;
