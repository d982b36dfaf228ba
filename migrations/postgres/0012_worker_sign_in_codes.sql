CREATE TABLE "worker_sign_in_codes" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"worker_id" text NOT NULL,
	"code_hash" text NOT NULL,
	"issued_by" text NOT NULL,
	"issued_at_ms" bigint NOT NULL,
	"expires_at_ms" bigint NOT NULL,
	"failed_attempts" integer DEFAULT 0 NOT NULL,
	"used_at_ms" bigint
);
--> statement-breakpoint
ALTER TABLE "worker_sign_in_codes" ADD CONSTRAINT "worker_sign_in_codes_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "worker_sign_in_codes" ADD CONSTRAINT "worker_sign_in_codes_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "worker_sign_in_codes_worker" ON "worker_sign_in_codes" USING btree ("project_id","worker_id","issued_at_ms");