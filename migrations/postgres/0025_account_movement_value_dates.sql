CREATE TABLE "account_movement_value_dates" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"account_no" text NOT NULL,
	"bank_ref" text NOT NULL,
	"statement_id" text NOT NULL,
	"value_date" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "account_movement_value_dates" ADD CONSTRAINT "account_movement_value_dates_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "account_movement_value_dates" ADD CONSTRAINT "account_movement_value_dates_statement_id_account_statements_id_fk" FOREIGN KEY ("statement_id") REFERENCES "public"."account_statements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "account_movement_value_dates_project_ref" ON "account_movement_value_dates" USING btree ("project_id","account_no","bank_ref");--> statement-breakpoint
CREATE TRIGGER "account_movement_value_dates_no_change" BEFORE UPDATE OR DELETE ON "account_movement_value_dates" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "account_movement_value_dates_no_truncate" BEFORE TRUNCATE ON "account_movement_value_dates" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
