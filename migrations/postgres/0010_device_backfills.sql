CREATE TABLE "device_backfill_events" (
	"id" text PRIMARY KEY NOT NULL,
	"backfill_id" text NOT NULL,
	"type" text NOT NULL,
	"return_code" integer,
	"detail" text,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_backfills" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"device_id" text NOT NULL,
	"device_serial" text NOT NULL,
	"command_no" integer NOT NULL,
	"kind" text NOT NULL,
	"gap_key" text NOT NULL,
	"attempt" integer NOT NULL,
	"record_from" bigint,
	"record_to" bigint,
	"window_from_ms" bigint NOT NULL,
	"window_to_ms" bigint NOT NULL,
	"command" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at_ms" bigint NOT NULL,
	"expires_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "device_backfill_events" ADD CONSTRAINT "device_backfill_events_backfill_id_device_backfills_id_fk" FOREIGN KEY ("backfill_id") REFERENCES "public"."device_backfills"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_backfills" ADD CONSTRAINT "device_backfills_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_backfills" ADD CONSTRAINT "device_backfills_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "device_backfill_events_type" ON "device_backfill_events" USING btree ("backfill_id","type");--> statement-breakpoint
CREATE UNIQUE INDEX "device_backfills_device_command" ON "device_backfills" USING btree ("device_id","command_no");--> statement-breakpoint
CREATE UNIQUE INDEX "device_backfills_gap_attempt" ON "device_backfills" USING btree ("device_id","gap_key","attempt");--> statement-breakpoint
CREATE INDEX "device_backfills_project" ON "device_backfills" USING btree ("project_id","requested_at_ms");