CREATE TABLE "worker_card_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"worker_id" text NOT NULL,
	"seq" integer NOT NULL,
	"previous_bank_name" text NOT NULL,
	"previous_card_no" text NOT NULL,
	"bank_name" text NOT NULL,
	"card_no" text NOT NULL,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"at_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "worker_card_changes" ADD CONSTRAINT "worker_card_changes_worker_id_workers_id_fk" FOREIGN KEY ("worker_id") REFERENCES "public"."workers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "worker_card_changes_worker_seq" ON "worker_card_changes" USING btree ("worker_id","seq");--> statement-breakpoint
CREATE INDEX "worker_card_changes_previous_card" ON "worker_card_changes" USING btree ("previous_card_no");--> statement-breakpoint
CREATE TRIGGER "worker_card_changes_no_change" BEFORE UPDATE OR DELETE ON "worker_card_changes" FOR EACH ROW EXECUTE FUNCTION wl_append_only();
--> statement-breakpoint
CREATE TRIGGER "worker_card_changes_no_truncate" BEFORE TRUNCATE ON "worker_card_changes" FOR EACH STATEMENT EXECUTE FUNCTION wl_append_only();
