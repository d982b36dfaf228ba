CREATE TABLE "enrolment_break_corrections" (
	"id" text PRIMARY KEY NOT NULL,
	"enrolment_id" text NOT NULL,
	"exit_date" text NOT NULL,
	"return_date" text NOT NULL,
	"previous_exit_date" text NOT NULL,
	"previous_return_date" text NOT NULL,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enrolment_break_corrections" ADD CONSTRAINT "enrolment_break_corrections_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enrolment_break_corrections_enrolment" ON "enrolment_break_corrections" USING btree ("enrolment_id");--> statement-breakpoint
CREATE TRIGGER "enrolment_break_corrections_no_change" BEFORE UPDATE OR DELETE ON "enrolment_break_corrections" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "enrolment_break_corrections_no_truncate" BEFORE TRUNCATE ON "enrolment_break_corrections" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
