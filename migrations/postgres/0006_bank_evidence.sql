DROP INDEX "payout_lines_project_bank_ref";--> statement-breakpoint
ALTER TABLE "payout_files" ADD COLUMN "format" text DEFAULT 'delimited' NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_files" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "payout_files" ADD COLUMN "message_id" text;--> statement-breakpoint
ALTER TABLE "payout_files" ADD COLUMN "pending_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_files" ADD COLUMN "returned_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_files" ADD COLUMN "returned_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payout_lines" ADD COLUMN "reason_code" text;--> statement-breakpoint
ALTER TABLE "payout_lines" ADD COLUMN "return_of_end_to_end_id" text;--> statement-breakpoint
ALTER TABLE "payout_lines" ADD COLUMN "return_of_bank_ref" text;--> statement-breakpoint
ALTER TABLE "payout_lines" ADD COLUMN "uetr" text;--> statement-breakpoint
CREATE UNIQUE INDEX "payout_lines_project_bank_ref_status" ON "payout_lines" USING btree ("project_id","bank_ref","status");