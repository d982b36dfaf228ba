CREATE TABLE "upstream_attempts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "upstream_attempts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"record_id" bigint NOT NULL,
	"action" text NOT NULL,
	"outcome" text NOT NULL,
	"at_ms" bigint NOT NULL,
	"request_serial_code" text,
	"code" integer,
	"detail" text
);
--> statement-breakpoint
CREATE TABLE "upstream_records" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "upstream_records_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" text NOT NULL,
	"kind" text NOT NULL,
	"kind_rank" integer NOT NULL,
	"key" text NOT NULL,
	"revision" integer NOT NULL,
	"payload" text NOT NULL,
	"state" text NOT NULL,
	"attempts" integer NOT NULL,
	"next_attempt_at_ms" bigint NOT NULL,
	"claimed_by" text,
	"claimed_at_ms" bigint,
	"request_serial_code" text,
	"batch_index" integer,
	"reason" text,
	"due_by_ms" bigint,
	"created_at_ms" bigint NOT NULL,
	"settled_at_ms" bigint
);
--> statement-breakpoint
ALTER TABLE "upstream_attempts" ADD CONSTRAINT "upstream_attempts_record_id_upstream_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."upstream_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upstream_records" ADD CONSTRAINT "upstream_records_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "upstream_attempts_record" ON "upstream_attempts" USING btree ("record_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "upstream_records_kind_key_revision" ON "upstream_records" USING btree ("kind","key","revision");--> statement-breakpoint
CREATE INDEX "upstream_records_state_project_kind" ON "upstream_records" USING btree ("state","project_id","kind_rank","id");--> statement-breakpoint
CREATE INDEX "upstream_records_serial" ON "upstream_records" USING btree ("request_serial_code");