CREATE TABLE `metric_definitions` (
	`metric_id` text NOT NULL,
	`definition_version` integer NOT NULL,
	`unit` text NOT NULL,
	`currency_code` text,
	`direction` text NOT NULL,
	`aggregation` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`metric_id`, `definition_version`),
	FOREIGN KEY (`metric_id`) REFERENCES `metrics`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE TABLE `metrics` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`unit` text NOT NULL,
	`currency_code` text,
	`direction` text NOT NULL,
	`aggregation` text NOT NULL,
	`scope` text NOT NULL,
	`team_id` text,
	`definition_version` integer DEFAULT 1 NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `metrics_key_unique` ON `metrics` (`key`);--> statement-breakpoint
CREATE INDEX `metrics_team_idx` ON `metrics` (`team_id`);--> statement-breakpoint
CREATE TABLE `measurement_rollups` (
	`iteration_id` text NOT NULL,
	`metric_id` text NOT NULL,
	`definition_version` integer NOT NULL,
	`count` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real,
	`max` real,
	`latest_value` real,
	`latest_observed_at` text,
	`latest_id` text,
	PRIMARY KEY(`iteration_id`, `metric_id`, `definition_version`)
);
--> statement-breakpoint
CREATE INDEX `measurement_rollups_metric_idx` ON `measurement_rollups` (`metric_id`);--> statement-breakpoint
CREATE TABLE `measurements` (
	`id` text PRIMARY KEY NOT NULL,
	`metric_id` text NOT NULL,
	`definition_version` integer NOT NULL,
	`iteration_id` text NOT NULL,
	`initiative_id` text NOT NULL,
	`value` real NOT NULL,
	`observed_at` text NOT NULL,
	`recorded_at` text NOT NULL,
	`late` integer DEFAULT false NOT NULL,
	`source` text,
	`note` text,
	`supersedes` text,
	`superseded_by` text,
	`voided_at` text,
	`void_reason` text,
	`recorded_by_key_id` text NOT NULL,
	`recorded_by_name` text NOT NULL,
	FOREIGN KEY (`metric_id`) REFERENCES `metrics`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`initiative_id`) REFERENCES `initiatives`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`supersedes`) REFERENCES `measurements`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `measurements_rollup_idx` ON `measurements` (`iteration_id`,`metric_id`,`definition_version`,`observed_at`);--> statement-breakpoint
CREATE INDEX `measurements_metric_idx` ON `measurements` (`metric_id`,`id`);--> statement-breakpoint
CREATE INDEX `measurements_initiative_idx` ON `measurements` (`initiative_id`,`id`);--> statement-breakpoint
CREATE TABLE `tracked_metrics` (
	`id` text PRIMARY KEY NOT NULL,
	`iteration_id` text NOT NULL,
	`metric_id` text NOT NULL,
	`baseline` real,
	`target` real,
	`carried_from` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`metric_id`) REFERENCES `metrics`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`carried_from`) REFERENCES `tracked_metrics`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tracked_metrics_iteration_metric_unique` ON `tracked_metrics` (`iteration_id`,`metric_id`);--> statement-breakpoint
CREATE TABLE `hypotheses` (
	`id` text PRIMARY KEY NOT NULL,
	`iteration_id` text NOT NULL,
	`statement` text NOT NULL,
	`metric_id` text NOT NULL,
	`operator` text NOT NULL,
	`threshold` real,
	`min_measurements` integer DEFAULT 1 NOT NULL,
	`confidence` text,
	`evidence` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`review_suggestion` text,
	`override_reason` text,
	`concluded_at` text,
	`carried_from` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`iteration_id`) REFERENCES `iterations`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`metric_id`) REFERENCES `metrics`(`id`) ON UPDATE no action ON DELETE restrict,
	FOREIGN KEY (`carried_from`) REFERENCES `hypotheses`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE INDEX `hypotheses_iteration_idx` ON `hypotheses` (`iteration_id`);--> statement-breakpoint
CREATE INDEX `hypotheses_metric_idx` ON `hypotheses` (`metric_id`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`api_key_id` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`status` integer NOT NULL,
	`headers` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`api_key_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expires_idx` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
-- The ledger is append-only: no row is ever deleted, and only the correction columns change.
CREATE TRIGGER `measurements_no_delete` BEFORE DELETE ON `measurements`
BEGIN
  SELECT RAISE(ABORT, 'measurements are append-only: void or supersede a row instead');
END;--> statement-breakpoint
CREATE TRIGGER `measurements_no_edit` BEFORE UPDATE OF `id`, `metric_id`, `definition_version`, `iteration_id`, `initiative_id`, `value`, `observed_at`, `recorded_at`, `late`, `source`, `note`, `supersedes`, `recorded_by_key_id`, `recorded_by_name` ON `measurements`
BEGIN
  SELECT RAISE(ABORT, 'measurements are append-only: void or supersede a row instead');
END;--> statement-breakpoint
-- Rollups per (iteration, metric, definition version), kept in the same transaction as each write.
-- A live insert adds to its group; the latest is the greatest observed_at, then the greatest id.
CREATE TRIGGER `measurements_rollup_on_insert` AFTER INSERT ON `measurements`
WHEN NEW.voided_at IS NULL AND NEW.superseded_by IS NULL
BEGIN
  INSERT INTO measurement_rollups (iteration_id, metric_id, definition_version, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  VALUES (NEW.iteration_id, NEW.metric_id, NEW.definition_version, 1, NEW.value, NEW.value, NEW.value, NEW.value, NEW.observed_at, NEW.id)
  ON CONFLICT (iteration_id, metric_id, definition_version) DO UPDATE SET
    count = count + 1,
    sum = sum + excluded.sum,
    min = min(min, excluded.min),
    max = max(max, excluded.max),
    latest_value = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_value ELSE latest_value END,
    latest_observed_at = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_observed_at ELSE latest_observed_at END,
    latest_id = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_id ELSE latest_id END;
END;--> statement-breakpoint
-- A void or a supersede takes a row out of every computation: its group is recomputed from its
-- own live rows (one index range), which keeps min, max and latest exact.
CREATE TRIGGER `measurements_rollup_on_correction` AFTER UPDATE OF `voided_at`, `superseded_by` ON `measurements`
WHEN OLD.voided_at IS NULL AND OLD.superseded_by IS NULL AND (NEW.voided_at IS NOT NULL OR NEW.superseded_by IS NOT NULL)
BEGIN
  DELETE FROM measurement_rollups
  WHERE iteration_id = NEW.iteration_id AND metric_id = NEW.metric_id AND definition_version = NEW.definition_version;
  INSERT INTO measurement_rollups (iteration_id, metric_id, definition_version, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  SELECT NEW.iteration_id, NEW.metric_id, NEW.definition_version, a.c, a.s, a.mn, a.mx, l.value, l.observed_at, l.id
  FROM (
    SELECT count(*) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx FROM measurements
    WHERE iteration_id = NEW.iteration_id AND metric_id = NEW.metric_id AND definition_version = NEW.definition_version
      AND voided_at IS NULL AND superseded_by IS NULL
  ) a
  JOIN (
    SELECT value, observed_at, id FROM measurements
    WHERE iteration_id = NEW.iteration_id AND metric_id = NEW.metric_id AND definition_version = NEW.definition_version
      AND voided_at IS NULL AND superseded_by IS NULL
    ORDER BY observed_at DESC, id DESC LIMIT 1
  ) l
  WHERE a.c > 0;
END;
