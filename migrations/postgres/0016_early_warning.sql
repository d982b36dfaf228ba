CREATE TABLE "clue_events" (
	"id" text PRIMARY KEY NOT NULL,
	"clue_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"actor" text NOT NULL,
	"body" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clues" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text,
	"employer_credit_code" text,
	"worker_id" text,
	"channel" text NOT NULL,
	"summary" text NOT NULL,
	"headcount" integer NOT NULL,
	"amount_fen" bigint NOT NULL,
	"external_ref" text,
	"received_at_ms" bigint NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_record_events" (
	"id" text PRIMARY KEY NOT NULL,
	"record_id" text NOT NULL,
	"type" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_records" (
	"id" text PRIMARY KEY NOT NULL,
	"credit_code" text NOT NULL,
	"employer_name" text NOT NULL,
	"organisation_id" text,
	"reason" text NOT NULL,
	"period_from" text NOT NULL,
	"period_to" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"recorded_on" text NOT NULL,
	"source_kind" text NOT NULL,
	"source_id" text NOT NULL,
	"rule_version" text NOT NULL,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "employer_signals" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "employer_signals_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"import_id" text NOT NULL,
	"row_no" integer NOT NULL,
	"credit_code" text NOT NULL,
	"employer_name" text NOT NULL,
	"signal" text NOT NULL,
	"source" text NOT NULL,
	"period" text NOT NULL,
	"amount_fen" bigint,
	"severity" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_reports" (
	"id" text PRIMARY KEY NOT NULL,
	"incident_id" text NOT NULL,
	"reported_to" text NOT NULL,
	"note" text,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "major_incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"source_kind" text NOT NULL,
	"source_id" text NOT NULL,
	"project_id" text,
	"headcount" integer NOT NULL,
	"amount_fen" bigint NOT NULL,
	"reasons" text NOT NULL,
	"became_major_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"month" text NOT NULL,
	"formula_version" text NOT NULL,
	"actor" text NOT NULL,
	"project_count" integer NOT NULL,
	"employer_count" integer NOT NULL,
	"started_at_ms" bigint NOT NULL,
	"finished_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "risk_scores" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "risk_scores_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" text NOT NULL,
	"month" text NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"region_code" text,
	"formula_version" text NOT NULL,
	"points" integer NOT NULL,
	"level" text NOT NULL,
	"parts" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signal_imports" (
	"id" text PRIMARY KEY NOT NULL,
	"file_hash" text NOT NULL,
	"filename" text NOT NULL,
	"format" text NOT NULL,
	"row_count" integer NOT NULL,
	"imported_by" text NOT NULL,
	"reason" text,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clue_events" ADD CONSTRAINT "clue_events_clue_id_clues_id_fk" FOREIGN KEY ("clue_id") REFERENCES "public"."clues"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clues" ADD CONSTRAINT "clues_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_record_events" ADD CONSTRAINT "credit_record_events_record_id_credit_records_id_fk" FOREIGN KEY ("record_id") REFERENCES "public"."credit_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_records" ADD CONSTRAINT "credit_records_organisation_id_organisations_id_fk" FOREIGN KEY ("organisation_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "employer_signals" ADD CONSTRAINT "employer_signals_import_id_signal_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."signal_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_reports" ADD CONSTRAINT "incident_reports_incident_id_major_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."major_incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "major_incidents" ADD CONSTRAINT "major_incidents_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_scores" ADD CONSTRAINT "risk_scores_run_id_risk_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."risk_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "clue_events_clue_seq" ON "clue_events" USING btree ("clue_id","seq");--> statement-breakpoint
CREATE INDEX "clue_events_type_at" ON "clue_events" USING btree ("type","at_ms");--> statement-breakpoint
CREATE INDEX "clues_project" ON "clues" USING btree ("project_id","received_at_ms");--> statement-breakpoint
CREATE UNIQUE INDEX "clues_channel_ref" ON "clues" USING btree ("channel","external_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_record_events_record_type" ON "credit_record_events" USING btree ("record_id","type");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_records_source" ON "credit_records" USING btree ("source_kind","source_id");--> statement-breakpoint
CREATE INDEX "credit_records_credit_code" ON "credit_records" USING btree ("credit_code","recorded_on");--> statement-breakpoint
CREATE UNIQUE INDEX "employer_signals_import_row" ON "employer_signals" USING btree ("import_id","row_no");--> statement-breakpoint
CREATE INDEX "employer_signals_credit_period" ON "employer_signals" USING btree ("credit_code","period");--> statement-breakpoint
CREATE INDEX "employer_signals_period" ON "employer_signals" USING btree ("period");--> statement-breakpoint
CREATE INDEX "incident_reports_incident" ON "incident_reports" USING btree ("incident_id","at_ms");--> statement-breakpoint
CREATE UNIQUE INDEX "major_incidents_source" ON "major_incidents" USING btree ("source_kind","source_id");--> statement-breakpoint
CREATE INDEX "major_incidents_at" ON "major_incidents" USING btree ("became_major_at_ms");--> statement-breakpoint
CREATE INDEX "risk_runs_month" ON "risk_runs" USING btree ("month","finished_at_ms");--> statement-breakpoint
CREATE UNIQUE INDEX "risk_scores_run_subject" ON "risk_scores" USING btree ("run_id","subject_kind","subject_id");--> statement-breakpoint
CREATE INDEX "risk_scores_subject_month" ON "risk_scores" USING btree ("subject_kind","subject_id","month");--> statement-breakpoint
CREATE INDEX "risk_scores_month_points" ON "risk_scores" USING btree ("month","subject_kind","points");--> statement-breakpoint
CREATE UNIQUE INDEX "signal_imports_file_hash" ON "signal_imports" USING btree ("file_hash");
--> statement-breakpoint
-- The early warning's history is ledger too: append-only, by the function of migrations/postgres/0003_append_only.sql.
CREATE TRIGGER "signal_imports_no_change" BEFORE UPDATE OR DELETE ON "signal_imports" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "signal_imports_no_truncate" BEFORE TRUNCATE ON "signal_imports" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "employer_signals_no_change" BEFORE UPDATE OR DELETE ON "employer_signals" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "employer_signals_no_truncate" BEFORE TRUNCATE ON "employer_signals" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "risk_runs_no_change" BEFORE UPDATE OR DELETE ON "risk_runs" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "risk_runs_no_truncate" BEFORE TRUNCATE ON "risk_runs" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "risk_scores_no_change" BEFORE UPDATE OR DELETE ON "risk_scores" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "risk_scores_no_truncate" BEFORE TRUNCATE ON "risk_scores" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "clues_no_change" BEFORE UPDATE OR DELETE ON "clues" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "clues_no_truncate" BEFORE TRUNCATE ON "clues" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "clue_events_no_change" BEFORE UPDATE OR DELETE ON "clue_events" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "clue_events_no_truncate" BEFORE TRUNCATE ON "clue_events" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "major_incidents_no_change" BEFORE UPDATE OR DELETE ON "major_incidents" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "major_incidents_no_truncate" BEFORE TRUNCATE ON "major_incidents" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "incident_reports_no_change" BEFORE UPDATE OR DELETE ON "incident_reports" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "incident_reports_no_truncate" BEFORE TRUNCATE ON "incident_reports" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "credit_records_no_change" BEFORE UPDATE OR DELETE ON "credit_records" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "credit_records_no_truncate" BEFORE TRUNCATE ON "credit_records" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "credit_record_events_no_change" BEFORE UPDATE OR DELETE ON "credit_record_events" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "credit_record_events_no_truncate" BEFORE TRUNCATE ON "credit_record_events" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
