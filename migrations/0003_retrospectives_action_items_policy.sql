CREATE TABLE `action_items` (
	`id` text PRIMARY KEY NOT NULL,
	`iteration_id` text NOT NULL,
	`title` text NOT NULL,
	`owner` text,
	`due_on` text,
	`status` text NOT NULL,
	`carried_from` text,
	`times_carried` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`carried_from`) REFERENCES `action_items`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `action_items_iteration_idx` ON `action_items` (`iteration_id`);--> statement-breakpoint
CREATE INDEX `action_items_status_idx` ON `action_items` (`status`);--> statement-breakpoint
CREATE TABLE `retrospectives` (
	`iteration_id` text PRIMARY KEY NOT NULL,
	`went_well` text NOT NULL,
	`to_improve` text NOT NULL,
	`learnings` text NOT NULL,
	`decision` text,
	`decision_reason` text DEFAULT '' NOT NULL,
	`snapshot` text,
	`frozen_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `policy` (
	`id` integer PRIMARY KEY NOT NULL,
	`rules` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
