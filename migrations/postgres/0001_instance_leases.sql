CREATE TABLE "instance_leases" (
	"instance" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"acquired_at_ms" bigint NOT NULL,
	"renewed_at_ms" bigint NOT NULL,
	"beats" bigint DEFAULT 0 NOT NULL
);
