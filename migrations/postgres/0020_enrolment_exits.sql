CREATE TABLE "enrolment_exits" (
	"id" text PRIMARY KEY NOT NULL,
	"enrolment_id" text NOT NULL,
	"exit_date" text NOT NULL,
	"last_attended_on" text,
	"reason" text,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enrolment_exits" ADD CONSTRAINT "enrolment_exits_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enrolment_exits_enrolment" ON "enrolment_exits" USING btree ("enrolment_id");--> statement-breakpoint
CREATE TRIGGER "enrolment_exits_no_change" BEFORE UPDATE OR DELETE ON "enrolment_exits" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "enrolment_exits_no_truncate" BEFORE TRUNCATE ON "enrolment_exits" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
