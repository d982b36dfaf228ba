CREATE TABLE "enrolment_device_users" (
	"id" text PRIMARY KEY NOT NULL,
	"enrolment_id" text NOT NULL,
	"device_user_id" text NOT NULL,
	"previous_device_user_id" text,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rejected_input_retries" (
	"id" text PRIMARY KEY NOT NULL,
	"rejected_id" bigint NOT NULL,
	"outcome" text NOT NULL,
	"refused_reason" text,
	"refused_detail" text,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enrolment_device_users" ADD CONSTRAINT "enrolment_device_users_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rejected_input_retries" ADD CONSTRAINT "rejected_input_retries_rejected_id_rejected_inputs_id_fk" FOREIGN KEY ("rejected_id") REFERENCES "public"."rejected_inputs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "enrolment_device_users_enrolment" ON "enrolment_device_users" USING btree ("enrolment_id");--> statement-breakpoint
CREATE INDEX "rejected_input_retries_rejected" ON "rejected_input_retries" USING btree ("rejected_id");--> statement-breakpoint
CREATE TRIGGER "enrolment_device_users_no_change" BEFORE UPDATE OR DELETE ON "enrolment_device_users" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "enrolment_device_users_no_truncate" BEFORE TRUNCATE ON "enrolment_device_users" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();--> statement-breakpoint
CREATE TRIGGER "rejected_input_retries_no_change" BEFORE UPDATE OR DELETE ON "rejected_input_retries" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "rejected_input_retries_no_truncate" BEFORE TRUNCATE ON "rejected_input_retries" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
