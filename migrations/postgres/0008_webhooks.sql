CREATE TABLE "webhook_attempt_results" (
	"delivery_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"finished_at_ms" bigint NOT NULL,
	"status_code" integer,
	"error" text,
	"outcome" text NOT NULL,
	"next_at_ms" bigint,
	"reason" text
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"delivery_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"claimed_by" text NOT NULL,
	"started_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"endpoint_id" text NOT NULL,
	"event_id" text NOT NULL,
	"project_id" text NOT NULL,
	"type" text NOT NULL,
	"body" text NOT NULL,
	"created_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoint_disablements" (
	"endpoint_id" text PRIMARY KEY NOT NULL,
	"disabled_by" text NOT NULL,
	"disabled_at_ms" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"project_id" text,
	"created_by" text NOT NULL,
	"created_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_attempt_results" ADD CONSTRAINT "webhook_attempt_results_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoint_disablements" ADD CONSTRAINT "webhook_endpoint_disablements_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_attempt_results_delivery_attempt" ON "webhook_attempt_results" USING btree ("delivery_id","attempt");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_attempts_delivery_attempt" ON "webhook_attempts" USING btree ("delivery_id","attempt");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_endpoint_event" ON "webhook_deliveries" USING btree ("endpoint_id","event_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_created" ON "webhook_deliveries" USING btree ("created_at_ms");--> statement-breakpoint
-- Endpoints, the outbox and the delivery log are append-only, by the function of migrations/postgres/0003_append_only.sql.
CREATE TRIGGER "webhook_endpoints_no_change" BEFORE UPDATE OR DELETE ON "webhook_endpoints" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_endpoints_no_truncate" BEFORE TRUNCATE ON "webhook_endpoints" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_endpoint_disablements_no_change" BEFORE UPDATE OR DELETE ON "webhook_endpoint_disablements" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_endpoint_disablements_no_truncate" BEFORE TRUNCATE ON "webhook_endpoint_disablements" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_deliveries_no_change" BEFORE UPDATE OR DELETE ON "webhook_deliveries" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_deliveries_no_truncate" BEFORE TRUNCATE ON "webhook_deliveries" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_attempts_no_change" BEFORE UPDATE OR DELETE ON "webhook_attempts" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_attempts_no_truncate" BEFORE TRUNCATE ON "webhook_attempts" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_attempt_results_no_change" BEFORE UPDATE OR DELETE ON "webhook_attempt_results" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "webhook_attempt_results_no_truncate" BEFORE TRUNCATE ON "webhook_attempt_results" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
