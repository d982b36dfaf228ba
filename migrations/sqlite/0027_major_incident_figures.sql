CREATE TABLE `major_incident_figures` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`headcount` integer NOT NULL,
	`amount_fen` integer NOT NULL,
	`reasons` text NOT NULL,
	`at_ms` integer NOT NULL,
	FOREIGN KEY (`incident_id`) REFERENCES `major_incidents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `major_incident_figures_incident` ON `major_incident_figures` (`incident_id`,`at_ms`);--> statement-breakpoint
CREATE TRIGGER `major_incident_figures_no_update` BEFORE UPDATE ON `major_incident_figures` BEGIN SELECT RAISE(ABORT, 'major_incident_figures is append-only: UPDATE refused (record a correction instead)'); END;
--> statement-breakpoint
CREATE TRIGGER `major_incident_figures_no_delete` BEFORE DELETE ON `major_incident_figures` BEGIN SELECT RAISE(ABORT, 'major_incident_figures is append-only: DELETE refused (record a correction instead)'); END;
