CREATE TABLE "payout_month_bounds" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"period" text NOT NULL,
	"file_id" text NOT NULL,
	"line_count" integer NOT NULL,
	"card_peak_fen" bigint NOT NULL,
	"computed_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "payout_month_bounds" ADD CONSTRAINT "payout_month_bounds_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payout_month_bounds" ADD CONSTRAINT "payout_month_bounds_file_id_payout_files_id_fk" FOREIGN KEY ("file_id") REFERENCES "public"."payout_files"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "payout_month_bounds_project_period" ON "payout_month_bounds" USING btree ("project_id","period","line_count");--> statement-breakpoint
CREATE TRIGGER "payout_month_bounds_no_change" BEFORE UPDATE OR DELETE ON "payout_month_bounds" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "payout_month_bounds_no_truncate" BEFORE TRUNCATE ON "payout_month_bounds" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
