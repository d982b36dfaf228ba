CREATE TABLE "project_contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"project_id" text NOT NULL,
	"labour_manager_name" text NOT NULL,
	"labour_manager_phone" text NOT NULL,
	"local_complaint_name" text,
	"local_complaint_phone" text,
	"reason" text NOT NULL,
	"recorded_by" text NOT NULL,
	"recorded_at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "project_contacts" ADD CONSTRAINT "project_contacts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "project_contacts_project" ON "project_contacts" USING btree ("project_id","recorded_at_ms");