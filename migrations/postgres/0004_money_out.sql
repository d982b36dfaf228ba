CREATE TABLE "pay_items" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"period" text NOT NULL,
	"side" text NOT NULL,
	"reason" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"note" text,
	"withdraws_id" text,
	"entered_by" text NOT NULL,
	"entered_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payroll_line_answers" (
	"id" text PRIMARY KEY NOT NULL,
	"sheet_id" text NOT NULL,
	"line_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"decision" text NOT NULL,
	"channel" text NOT NULL,
	"note" text,
	"answered_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payroll_sheet_events" (
	"id" text PRIMARY KEY NOT NULL,
	"sheet_id" text NOT NULL,
	"seq" integer NOT NULL,
	"state" text NOT NULL,
	"actor" text NOT NULL,
	"reason" text,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payroll_sheet_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"sheet_id" text NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"line_no" integer NOT NULL,
	"worker_id" text NOT NULL,
	"enrolment_id" text NOT NULL,
	"worker_name" text NOT NULL,
	"id_number" text NOT NULL,
	"bank_name" text NOT NULL,
	"card_no" text NOT NULL,
	"day_halves" integer NOT NULL,
	"worked_minutes" integer NOT NULL,
	"payable_fen" bigint NOT NULL,
	"deductions_fen" bigint NOT NULL,
	"net_fen" bigint NOT NULL,
	"items" text NOT NULL,
	"minimum_wage" text
);
--> statement-breakpoint
CREATE TABLE "payroll_sheets" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"team_id" text NOT NULL,
	"period" text NOT NULL,
	"version" integer NOT NULL,
	"supersedes_id" text,
	"pay_date" text NOT NULL,
	"worker_count" integer NOT NULL,
	"payable_fen" bigint NOT NULL,
	"deductions_fen" bigint NOT NULL,
	"net_fen" bigint NOT NULL,
	"basis" text NOT NULL,
	"made_by" text NOT NULL,
	"made_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "piece_quantities" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"enrolment_id" text NOT NULL,
	"period" text NOT NULL,
	"work_date" text NOT NULL,
	"item_kind" text NOT NULL,
	"quantity" text NOT NULL,
	"withdraws_id" text,
	"note" text,
	"entered_by" text NOT NULL,
	"entered_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "piece_quantity_answers" (
	"id" text PRIMARY KEY NOT NULL,
	"quantity_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"decision" text NOT NULL,
	"channel" text NOT NULL,
	"note" text,
	"answered_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wage_terms" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"enrolment_id" text NOT NULL,
	"effective_from" text NOT NULL,
	"kind" text NOT NULL,
	"terms" text NOT NULL,
	"reason" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instruction_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"instruction_id" text NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"worker_id" text NOT NULL,
	"sheet_line_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"previous_line_id" text,
	"end_to_end_id" text NOT NULL,
	"payee_name" text NOT NULL,
	"card_no" text NOT NULL,
	"bank_name" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "instruction_lines_end_to_end_id_unique" UNIQUE("end_to_end_id")
);
--> statement-breakpoint
CREATE TABLE "payment_instructions" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"sheet_id" text,
	"msg_id" text NOT NULL,
	"debtor_account_no" text NOT NULL,
	"debtor_name" text NOT NULL,
	"debtor_bank_code" text,
	"requested_on" text NOT NULL,
	"tx_count" integer NOT NULL,
	"ctrl_sum_fen" bigint NOT NULL,
	"created_by" text NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "payment_instructions_msg_id_unique" UNIQUE("msg_id")
);
--> statement-breakpoint
CREATE TABLE "account_movements" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"statement_id" text NOT NULL,
	"account_no" text NOT NULL,
	"bank_ref" text NOT NULL,
	"booking_date" text NOT NULL,
	"value_date" text NOT NULL,
	"direction" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"counterparty_account_no" text NOT NULL,
	"counterparty_name" text NOT NULL,
	"reversal_of" text,
	"end_to_end_id" text
);
--> statement-breakpoint
CREATE TABLE "account_statements" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"format" text NOT NULL,
	"sha256" text NOT NULL,
	"filename" text,
	"account_no" text NOT NULL,
	"line_count" integer NOT NULL,
	"new_line_count" integer NOT NULL,
	"posted_by" text NOT NULL,
	"posted_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dedicated_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"bank" text NOT NULL,
	"bank_code" text NOT NULL,
	"account_no" text NOT NULL,
	"account_name" text NOT NULL,
	"opened_on" text NOT NULL,
	"opening_fen" bigint NOT NULL,
	"reason" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "funding_periods" (
	"id" text PRIMARY KEY NOT NULL,
	"contract_id" text NOT NULL,
	"project_id" text NOT NULL,
	"period_id" text NOT NULL,
	"due_on" text NOT NULL,
	"amount_kind" text NOT NULL,
	"amount_fen" bigint,
	"share_bp" integer
);
--> statement-breakpoint
CREATE TABLE "project_contracts" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"contract_amount_fen" bigint NOT NULL,
	"labour_cost_fen" bigint NOT NULL,
	"funder_account_nos" text NOT NULL,
	"signed_on" text NOT NULL,
	"reason" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wage_deposits" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"contractor_id" text NOT NULL,
	"form" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"issuer" text NOT NULL,
	"reference" text NOT NULL,
	"effective_on" text NOT NULL,
	"expires_on" text,
	"withdraws_id" text,
	"reason" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payout_lines" ADD COLUMN "payer_account_no" text;--> statement-breakpoint
ALTER TABLE "payout_lines" ADD COLUMN "end_to_end_id" text;--> statement-breakpoint
ALTER TABLE "pay_items" ADD CONSTRAINT "pay_items_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pay_items" ADD CONSTRAINT "pay_items_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_line_answers" ADD CONSTRAINT "payroll_line_answers_sheet_id_payroll_sheets_id_fk" FOREIGN KEY ("sheet_id") REFERENCES "public"."payroll_sheets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_line_answers" ADD CONSTRAINT "payroll_line_answers_line_id_payroll_sheet_lines_id_fk" FOREIGN KEY ("line_id") REFERENCES "public"."payroll_sheet_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_line_answers" ADD CONSTRAINT "payroll_line_answers_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_sheet_events" ADD CONSTRAINT "payroll_sheet_events_sheet_id_payroll_sheets_id_fk" FOREIGN KEY ("sheet_id") REFERENCES "public"."payroll_sheets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_sheet_lines" ADD CONSTRAINT "payroll_sheet_lines_sheet_id_payroll_sheets_id_fk" FOREIGN KEY ("sheet_id") REFERENCES "public"."payroll_sheets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_sheet_lines" ADD CONSTRAINT "payroll_sheet_lines_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_sheet_lines" ADD CONSTRAINT "payroll_sheet_lines_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_sheet_lines" ADD CONSTRAINT "payroll_sheet_lines_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_sheets" ADD CONSTRAINT "payroll_sheets_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payroll_sheets" ADD CONSTRAINT "payroll_sheets_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "piece_quantities" ADD CONSTRAINT "piece_quantities_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "piece_quantities" ADD CONSTRAINT "piece_quantities_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "piece_quantities" ADD CONSTRAINT "piece_quantities_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "piece_quantity_answers" ADD CONSTRAINT "piece_quantity_answers_quantity_id_piece_quantities_id_fk" FOREIGN KEY ("quantity_id") REFERENCES "public"."piece_quantities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "piece_quantity_answers" ADD CONSTRAINT "piece_quantity_answers_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wage_terms" ADD CONSTRAINT "wage_terms_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wage_terms" ADD CONSTRAINT "wage_terms_enrolment_id_enrolments_id_fk" FOREIGN KEY ("enrolment_id") REFERENCES "public"."enrolments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instruction_lines" ADD CONSTRAINT "instruction_lines_instruction_id_payment_instructions_id_fk" FOREIGN KEY ("instruction_id") REFERENCES "public"."payment_instructions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instruction_lines" ADD CONSTRAINT "instruction_lines_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instruction_lines" ADD CONSTRAINT "instruction_lines_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instruction_lines" ADD CONSTRAINT "instruction_lines_sheet_line_id_payroll_sheet_lines_id_fk" FOREIGN KEY ("sheet_line_id") REFERENCES "public"."payroll_sheet_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_instructions" ADD CONSTRAINT "payment_instructions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_instructions" ADD CONSTRAINT "payment_instructions_sheet_id_payroll_sheets_id_fk" FOREIGN KEY ("sheet_id") REFERENCES "public"."payroll_sheets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_movements" ADD CONSTRAINT "account_movements_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_movements" ADD CONSTRAINT "account_movements_statement_id_account_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."account_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_statements" ADD CONSTRAINT "account_statements_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dedicated_accounts" ADD CONSTRAINT "dedicated_accounts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "funding_periods" ADD CONSTRAINT "funding_periods_contract_id_project_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."project_contracts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "funding_periods" ADD CONSTRAINT "funding_periods_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_contracts" ADD CONSTRAINT "project_contracts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wage_deposits" ADD CONSTRAINT "wage_deposits_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "wage_deposits" ADD CONSTRAINT "wage_deposits_contractor_id_organisations_id_fk" FOREIGN KEY ("contractor_id") REFERENCES "public"."organisations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pay_items_worker_period" ON "pay_items" USING btree ("project_id","worker_id","period");--> statement-breakpoint
CREATE INDEX "pay_items_project_period" ON "pay_items" USING btree ("project_id","period");--> statement-breakpoint
CREATE INDEX "payroll_line_answers_line" ON "payroll_line_answers" USING btree ("line_id","answered_at_ms");--> statement-breakpoint
CREATE INDEX "payroll_line_answers_sheet" ON "payroll_line_answers" USING btree ("sheet_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payroll_sheet_events_sheet_seq" ON "payroll_sheet_events" USING btree ("sheet_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "payroll_sheet_lines_sheet_worker" ON "payroll_sheet_lines" USING btree ("sheet_id","worker_id");--> statement-breakpoint
CREATE INDEX "payroll_sheet_lines_worker_period" ON "payroll_sheet_lines" USING btree ("project_id","worker_id","period");--> statement-breakpoint
CREATE UNIQUE INDEX "payroll_sheets_team_period_version" ON "payroll_sheets" USING btree ("project_id","team_id","period","version");--> statement-breakpoint
CREATE INDEX "payroll_sheets_project_period" ON "payroll_sheets" USING btree ("project_id","period");--> statement-breakpoint
CREATE INDEX "piece_quantities_worker_period" ON "piece_quantities" USING btree ("project_id","worker_id","period");--> statement-breakpoint
CREATE INDEX "piece_quantities_project_period" ON "piece_quantities" USING btree ("project_id","period");--> statement-breakpoint
CREATE INDEX "piece_quantity_answers_quantity" ON "piece_quantity_answers" USING btree ("quantity_id","answered_at_ms");--> statement-breakpoint
CREATE INDEX "wage_terms_enrolment" ON "wage_terms" USING btree ("enrolment_id","effective_from","recorded_at_ms");--> statement-breakpoint
CREATE INDEX "wage_terms_project" ON "wage_terms" USING btree ("project_id");--> statement-breakpoint
CREATE UNIQUE INDEX "instruction_lines_worker_attempt" ON "instruction_lines" USING btree ("project_id","period","worker_id","attempt");--> statement-breakpoint
CREATE INDEX "instruction_lines_instruction" ON "instruction_lines" USING btree ("instruction_id");--> statement-breakpoint
CREATE INDEX "payment_instructions_project_period" ON "payment_instructions" USING btree ("project_id","period");--> statement-breakpoint
CREATE UNIQUE INDEX "account_movements_project_ref" ON "account_movements" USING btree ("project_id","account_no","bank_ref");--> statement-breakpoint
CREATE INDEX "account_movements_project_date" ON "account_movements" USING btree ("project_id","booking_date");--> statement-breakpoint
CREATE UNIQUE INDEX "account_statements_project_sha" ON "account_statements" USING btree ("project_id","sha256");--> statement-breakpoint
CREATE INDEX "dedicated_accounts_project" ON "dedicated_accounts" USING btree ("project_id","recorded_at_ms");--> statement-breakpoint
CREATE UNIQUE INDEX "funding_periods_contract_period" ON "funding_periods" USING btree ("contract_id","period_id");--> statement-breakpoint
CREATE INDEX "funding_periods_project" ON "funding_periods" USING btree ("project_id");--> statement-breakpoint
CREATE INDEX "project_contracts_project" ON "project_contracts" USING btree ("project_id","recorded_at_ms");--> statement-breakpoint
CREATE INDEX "wage_deposits_project" ON "wage_deposits" USING btree ("project_id");