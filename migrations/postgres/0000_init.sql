CREATE TABLE "devices" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"serial" text NOT NULL,
	"model" text NOT NULL,
	"settings" text DEFAULT '{}' NOT NULL,
	"location" text,
	"installed_at_ms" bigint NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "devices_serial_unique" UNIQUE("serial")
);
--> statement-breakpoint
CREATE TABLE "enrolments" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"team_id" text NOT NULL,
	"device_user_id" text,
	"daily_rate_fen" bigint NOT NULL,
	"contract_no" text,
	"safety_trained" boolean NOT NULL,
	"entry_date" text NOT NULL,
	"exit_date" text,
	"created_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organisations" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"credit_code" text NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "organisations_credit_code_unique" UNIQUE("credit_code")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" text PRIMARY KEY NOT NULL,
	"site_code" text NOT NULL,
	"name" text NOT NULL,
	"region_code" text NOT NULL,
	"time_zone" text NOT NULL,
	"pay_day" integer NOT NULL,
	"construction_unit_id" text NOT NULL,
	"general_contractor_id" text NOT NULL,
	"account_bank" text NOT NULL,
	"account_no" text NOT NULL,
	"account_name" text NOT NULL,
	"debounce_minutes" integer DEFAULT 2 NOT NULL,
	"max_shift_minutes" integer DEFAULT 960 NOT NULL,
	"incomplete_day_policy" text DEFAULT 'needs_review' NOT NULL,
	"clock_ahead_minutes" integer DEFAULT 10 NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "projects_site_code_unique" UNIQUE("site_code")
);
--> statement-breakpoint
CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"employer_id" text NOT NULL,
	"name" text NOT NULL,
	"created_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"id_type" text NOT NULL,
	"id_number" text NOT NULL,
	"gender" text NOT NULL,
	"birth_date" text NOT NULL,
	"ethnicity" text,
	"address" text,
	"phone" text,
	"trade" text,
	"bank_name" text NOT NULL,
	"card_no" text NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "workers_id_number_unique" UNIQUE("id_number")
);
--> statement-breakpoint
CREATE TABLE "duplicate_counts" (
	"device_id" text NOT NULL,
	"received_date" text NOT NULL,
	"count" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "punches" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "punches_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"project_id" text NOT NULL,
	"device_id" text NOT NULL,
	"record_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"enrolment_id" text NOT NULL,
	"device_time_ms" bigint NOT NULL,
	"received_at_ms" bigint NOT NULL,
	"work_date" text NOT NULL,
	"direction" text NOT NULL,
	"verify_method" text NOT NULL,
	"channel" text NOT NULL,
	"clock_suspect" text
);
--> statement-breakpoint
CREATE TABLE "rejected_inputs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rejected_inputs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source" text NOT NULL,
	"channel" text NOT NULL,
	"sender" text,
	"project_id" text,
	"device_serial" text,
	"record_id" text,
	"reason" text NOT NULL,
	"detail" text NOT NULL,
	"payload_bytes" integer NOT NULL,
	"received_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rejected_payloads" (
	"rejected_id" bigint PRIMARY KEY NOT NULL,
	"payload" "bytea" NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flags" (
	"id" text PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"kind" text NOT NULL,
	"worker_id" text,
	"payee_card" text,
	"due_fen" bigint,
	"paid_fen" bigint,
	"evidence" text NOT NULL,
	"raised_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payout_files" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"sha256" text NOT NULL,
	"filename" text,
	"encoding" text NOT NULL,
	"line_count" integer NOT NULL,
	"success_count" integer NOT NULL,
	"success_fen" bigint NOT NULL,
	"failed_count" integer NOT NULL,
	"failed_fen" bigint NOT NULL,
	"posted_by" text,
	"posted_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payout_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"file_id" text NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"line_no" integer NOT NULL,
	"seq" integer NOT NULL,
	"payee_card" text NOT NULL,
	"payee_name" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"status" text NOT NULL,
	"bank_ref" text NOT NULL,
	"value_date" text NOT NULL,
	"failure_reason" text
);
--> statement-breakpoint
CREATE TABLE "reconciliation_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"pay_date" text NOT NULL,
	"workers" integer NOT NULL,
	"due_fen" bigint NOT NULL,
	"paid_fen" bigint NOT NULL,
	"unknown_paid_fen" bigint NOT NULL,
	"short_fen" bigint NOT NULL,
	"flag_count" integer NOT NULL,
	"trigger" text NOT NULL,
	"ran_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "corrections" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"work_date" text NOT NULL,
	"kind" text NOT NULL,
	"punch_id" bigint,
	"at_ms" bigint,
	"direction" text,
	"status" text,
	"revokes_id" text,
	"reason" text NOT NULL,
	"author" text NOT NULL,
	"created_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "timesheet_adjustments" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"team_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"confirmation_id" text NOT NULL,
	"work_date" text NOT NULL,
	"recorded_month" text NOT NULL,
	"cause" text NOT NULL,
	"before_status" text NOT NULL,
	"after_status" text NOT NULL,
	"before_halves" integer NOT NULL,
	"after_halves" integer NOT NULL,
	"before_minutes" integer NOT NULL,
	"after_minutes" integer NOT NULL,
	"detail" text NOT NULL,
	"recorded_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "timesheet_confirmations" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"team_id" text NOT NULL,
	"month" text NOT NULL,
	"confirmed_by" text NOT NULL,
	"note" text,
	"snapshot" text NOT NULL,
	"confirmed_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "worker_confirmations" (
	"id" text PRIMARY KEY NOT NULL,
	"confirmation_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"decision" text NOT NULL,
	"channel" text NOT NULL,
	"note" text,
	"recorded_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_heartbeats" (
	"instance" text PRIMARY KEY NOT NULL,
	"started_at_ms" bigint NOT NULL,
	"beat_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolments" ADD CONSTRAINT "enrolments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolments" ADD CONSTRAINT "enrolments_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enrolments" ADD CONSTRAINT "enrolments_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_construction_unit_id_organisations_id_fk" FOREIGN KEY ("construction_unit_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_general_contractor_id_organisations_id_fk" FOREIGN KEY ("general_contractor_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_employer_id_organisations_id_fk" FOREIGN KEY ("employer_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "duplicate_counts" ADD CONSTRAINT "duplicate_counts_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "punches" ADD CONSTRAINT "punches_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "punches" ADD CONSTRAINT "punches_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "punches" ADD CONSTRAINT "punches_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "punches" ADD CONSTRAINT "punches_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rejected_payloads" ADD CONSTRAINT "rejected_payloads_rejected_id_rejected_inputs_id_fk" FOREIGN KEY ("rejected_id") REFERENCES "public"."rejected_inputs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_run_id_reconciliation_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."reconciliation_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_files" ADD CONSTRAINT "payout_files_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_lines" ADD CONSTRAINT "payout_lines_file_id_payout_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."payout_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_lines" ADD CONSTRAINT "payout_lines_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliation_runs" ADD CONSTRAINT "reconciliation_runs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "corrections" ADD CONSTRAINT "corrections_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "corrections" ADD CONSTRAINT "corrections_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheet_adjustments" ADD CONSTRAINT "timesheet_adjustments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheet_adjustments" ADD CONSTRAINT "timesheet_adjustments_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheet_adjustments" ADD CONSTRAINT "timesheet_adjustments_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheet_adjustments" ADD CONSTRAINT "timesheet_adjustments_confirmation_id_timesheet_confirmations_id_fk" FOREIGN KEY ("confirmation_id") REFERENCES "public"."timesheet_confirmations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheet_confirmations" ADD CONSTRAINT "timesheet_confirmations_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timesheet_confirmations" ADD CONSTRAINT "timesheet_confirmations_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_confirmations" ADD CONSTRAINT "worker_confirmations_confirmation_id_timesheet_confirmations_id_fk" FOREIGN KEY ("confirmation_id") REFERENCES "public"."timesheet_confirmations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_confirmations" ADD CONSTRAINT "worker_confirmations_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "devices_project" ON "devices" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "enrolments_project_worker" ON "enrolments" USING btree ("project_id","worker_id");--> statement-breakpoint
CREATE UNIQUE INDEX "enrolments_project_device_user" ON "enrolments" USING btree ("project_id","device_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "teams_project_name" ON "teams" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "workers_card_no" ON "workers" USING btree ("card_no");--> statement-breakpoint
CREATE UNIQUE INDEX "duplicate_counts_device_date" ON "duplicate_counts" USING btree ("device_id","received_date");--> statement-breakpoint
CREATE UNIQUE INDEX "punches_device_record" ON "punches" USING btree ("device_id","record_id");--> statement-breakpoint
CREATE INDEX "punches_project_date_worker" ON "punches" USING btree ("project_id","work_date","worker_id");--> statement-breakpoint
CREATE INDEX "punches_project_received" ON "punches" USING btree ("project_id","received_at_ms");--> statement-breakpoint
CREATE INDEX "rejected_project" ON "rejected_inputs" USING btree ("project_id","id");--> statement-breakpoint
CREATE INDEX "rejected_reason" ON "rejected_inputs" USING btree ("reason");--> statement-breakpoint
CREATE INDEX "rejected_project_reason" ON "rejected_inputs" USING btree ("project_id","reason");--> statement-breakpoint
CREATE INDEX "rejected_project_received_reason" ON "rejected_inputs" USING btree ("project_id","received_at_ms","reason");--> statement-breakpoint
CREATE INDEX "flags_run" ON "flags" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "flags_project_period" ON "flags" USING btree ("project_id","period");--> statement-breakpoint
CREATE UNIQUE INDEX "payout_files_project_sha" ON "payout_files" USING btree ("project_id","sha256");--> statement-breakpoint
CREATE INDEX "payout_files_period" ON "payout_files" USING btree ("project_id","period");--> statement-breakpoint
CREATE INDEX "payout_lines_project_period" ON "payout_lines" USING btree ("project_id","period");--> statement-breakpoint
CREATE INDEX "payout_lines_file" ON "payout_lines" USING btree ("file_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payout_lines_project_bank_ref" ON "payout_lines" USING btree ("project_id","bank_ref");--> statement-breakpoint
CREATE INDEX "reconciliation_runs_project_period" ON "reconciliation_runs" USING btree ("project_id","period","ran_at_ms");--> statement-breakpoint
CREATE INDEX "corrections_worker_date" ON "corrections" USING btree ("project_id","worker_id","work_date");--> statement-breakpoint
CREATE INDEX "corrections_project_date" ON "corrections" USING btree ("project_id","work_date");--> statement-breakpoint
CREATE INDEX "timesheet_adjustments_worker_date" ON "timesheet_adjustments" USING btree ("project_id","worker_id","work_date");--> statement-breakpoint
CREATE INDEX "timesheet_adjustments_recorded" ON "timesheet_adjustments" USING btree ("project_id","recorded_month");--> statement-breakpoint
CREATE UNIQUE INDEX "timesheet_confirmations_team_month" ON "timesheet_confirmations" USING btree ("project_id","team_id","month");--> statement-breakpoint
CREATE INDEX "worker_confirmations_confirmation" ON "worker_confirmations" USING btree ("confirmation_id","worker_id");