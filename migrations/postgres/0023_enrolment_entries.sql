CREATE TABLE "enrolment_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"enrolment_id" text NOT NULL,
	"entry_date" text NOT NULL,
	"previous_entry_date" text NOT NULL,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enrolment_entries" ADD CONSTRAINT "enrolment_entries_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enrolment_entries_enrolment" ON "enrolment_entries" USING btree ("enrolment_id");--> statement-breakpoint
CREATE TRIGGER "enrolment_entries_no_change" BEFORE UPDATE OR DELETE ON "enrolment_entries" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "enrolment_entries_no_truncate" BEFORE TRUNCATE ON "enrolment_entries" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
