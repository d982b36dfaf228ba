CREATE TABLE "flag_case_events" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"month" text NOT NULL,
	"case_key" text NOT NULL,
	"case_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"run_id" text,
	"actor" text,
	"body" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "flag_case_events" ADD CONSTRAINT "flag_case_events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "flag_case_events_case_seq" ON "flag_case_events" USING btree ("case_key","seq");--> statement-breakpoint
CREATE INDEX "flag_case_events_project_month" ON "flag_case_events" USING btree ("project_id","month");--> statement-breakpoint
CREATE INDEX "flag_case_events_case_id" ON "flag_case_events" USING btree ("case_id");--> statement-breakpoint
-- A case's history is ledger too: append-only, by the function of migrations/postgres/0003_append_only.sql.
CREATE TRIGGER "flag_case_events_no_change" BEFORE UPDATE OR DELETE ON "flag_case_events" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "flag_case_events_no_truncate" BEFORE TRUNCATE ON "flag_case_events" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
