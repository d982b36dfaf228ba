CREATE TABLE `instance_leases` (
	`instance` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`host` text NOT NULL,
	`pid` integer NOT NULL,
	`acquired_at_ms` integer NOT NULL,
	`renewed_at_ms` integer NOT NULL,
	`beats` integer DEFAULT 0 NOT NULL
);
