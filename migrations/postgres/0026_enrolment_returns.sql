CREATE TABLE "enrolment_returns" (
	"id" text PRIMARY KEY NOT NULL,
	"enrolment_id" text NOT NULL,
	"return_date" text NOT NULL,
	"exit_date" text NOT NULL,
	"reason" text,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enrolments" ADD COLUMN "breaks" text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE "enrolment_returns" ADD CONSTRAINT "enrolment_returns_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enrolment_returns_enrolment" ON "enrolment_returns" USING btree ("enrolment_id");--> statement-breakpoint
CREATE TRIGGER "enrolment_returns_no_change" BEFORE UPDATE OR DELETE ON "enrolment_returns" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "enrolment_returns_no_truncate" BEFORE TRUNCATE ON "enrolment_returns" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
