CREATE TABLE "device_contacts" (
	"device_id" text PRIMARY KEY NOT NULL,
	"serial" text NOT NULL,
	"last_at_ms" bigint NOT NULL,
	"kind" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_incident_events" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"device_id" text NOT NULL,
	"serial" text NOT NULL,
	"incident_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"body" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "device_contacts" ADD CONSTRAINT "device_contacts_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_incident_events" ADD CONSTRAINT "device_incident_events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_incident_events" ADD CONSTRAINT "device_incident_events_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "device_incident_events_device_seq" ON "device_incident_events" USING btree ("device_id","seq");--> statement-breakpoint
CREATE INDEX "device_incident_events_project_at" ON "device_incident_events" USING btree ("project_id","at_ms");--> statement-breakpoint
CREATE INDEX "device_incident_events_incident" ON "device_incident_events" USING btree ("incident_id");