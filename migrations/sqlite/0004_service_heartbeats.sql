CREATE TABLE `service_heartbeats` (
	`instance` text PRIMARY KEY NOT NULL,
	`started_at_ms` integer NOT NULL,
	`beat_at_ms` integer NOT NULL
);
