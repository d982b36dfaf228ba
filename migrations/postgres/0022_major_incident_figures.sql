CREATE TABLE "major_incident_figures" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"headcount" integer NOT NULL,
	"amount_fen" bigint NOT NULL,
	"reasons" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "major_incident_figures" ADD CONSTRAINT "major_incident_figures_incident_id_major_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."major_incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "major_incident_figures_incident" ON "major_incident_figures" USING btree ("incident_id","at_ms");--> statement-breakpoint
CREATE TRIGGER "major_incident_figures_no_change" BEFORE UPDATE OR DELETE ON "major_incident_figures" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "major_incident_figures_no_truncate" BEFORE TRUNCATE ON "major_incident_figures" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
