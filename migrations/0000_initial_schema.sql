CREATE TABLE `teams` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `teams_key_unique` ON `teams` (`key`);--> statement-breakpoint
CREATE TABLE `themes` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `themes_key_unique` ON `themes` (`key`);--> statement-breakpoint
CREATE TABLE `api_key_teams` (
	`api_key_id` text NOT NULL,
	`team_id` text NOT NULL,
	PRIMARY KEY(`api_key_id`, `team_id`),
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `api_key_teams_team_idx` ON `api_key_teams` (`team_id`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`secret_hash` text NOT NULL,
	`secret_prefix` text NOT NULL,
	`bootstrap` integer DEFAULT false NOT NULL,
	`revoked_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_hash_unique` ON `api_keys` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_role_idx` ON `api_keys` (`role`);--> statement-breakpoint
CREATE TABLE `initiatives` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`title` text NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`team_id` text NOT NULL,
	`owner` text,
	`theme_id` text,
	`horizon` text NOT NULL,
	`status` text NOT NULL,
	`tags` text NOT NULL,
	`attributes` text NOT NULL,
	`archived_at` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`theme_id`) REFERENCES `themes`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `initiatives_key_unique` ON `initiatives` (`key`);--> statement-breakpoint
CREATE INDEX `initiatives_team_idx` ON `initiatives` (`team_id`);--> statement-breakpoint
CREATE INDEX `initiatives_theme_idx` ON `initiatives` (`theme_id`);--> statement-breakpoint
CREATE INDEX `initiatives_updated_idx` ON `initiatives` (`updated_at`);--> statement-breakpoint
CREATE TABLE `check_ins` (
	`id` text PRIMARY KEY NOT NULL,
	`iteration_id` text NOT NULL,
	`health` text NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`author_key_id` text NOT NULL,
	`author_name` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `check_ins_iteration_created_idx` ON `check_ins` (`iteration_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `iterations` (
	`id` text PRIMARY KEY NOT NULL,
	`initiative_id` text NOT NULL,
	`number` integer NOT NULL,
	`title` text NOT NULL,
	`goal` text DEFAULT '' NOT NULL,
	`planned_start` text,
	`planned_end` text,
	`status` text NOT NULL,
	`started_at` text,
	`review_started_at` text,
	`closed_at` text,
	`abandoned_at` text,
	`decision` text,
	`outcome` text,
	`carried_over_at` text,
	`based_on_id` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`initiative_id`) REFERENCES `initiatives`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`based_on_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `iterations_initiative_number_unique` ON `iterations` (`initiative_id`,`number`);--> statement-breakpoint
CREATE UNIQUE INDEX `iterations_one_active_per_initiative` ON `iterations` (`initiative_id`) WHERE status IN ('under_construction', 'in_review');--> statement-breakpoint
CREATE TABLE `activity` (
	`id` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`actor_key_id` text NOT NULL,
	`actor_name` text NOT NULL,
	`action` text NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`request_id` text,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `activity_entity_idx` ON `activity` (`entity_type`,`entity_id`);--> statement-breakpoint
CREATE INDEX `activity_actor_idx` ON `activity` (`actor_key_id`);--> statement-breakpoint
CREATE INDEX `activity_action_idx` ON `activity` (`action`);--> statement-breakpoint
CREATE INDEX `activity_at_idx` ON `activity` (`at`);