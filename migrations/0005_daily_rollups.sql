CREATE TABLE `measurement_daily_rollups` (
	`metric_id` text NOT NULL,
	`definition_version` integer NOT NULL,
	`day` text NOT NULL,
	`iteration_id` text NOT NULL,
	`count` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real,
	`max` real,
	`latest_value` real,
	`latest_observed_at` text,
	`latest_id` text,
	PRIMARY KEY(`metric_id`, `definition_version`, `day`, `iteration_id`)
) WITHOUT ROWID;
--> statement-breakpoint
-- Kept like measurement_rollups (migration 0002), one group per UTC day of observed_at.
CREATE TRIGGER `measurements_daily_rollup_on_insert` AFTER INSERT ON `measurements`
WHEN NEW.voided_at IS NULL AND NEW.superseded_by IS NULL
BEGIN
  INSERT INTO measurement_daily_rollups (metric_id, definition_version, day, iteration_id, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  VALUES (NEW.metric_id, NEW.definition_version, substr(NEW.observed_at, 1, 10), NEW.iteration_id, 1, NEW.value, NEW.value, NEW.value, NEW.value, NEW.observed_at, NEW.id)
  ON CONFLICT (metric_id, definition_version, day, iteration_id) DO UPDATE SET
    count = count + 1,
    sum = sum + excluded.sum,
    min = min(min, excluded.min),
    max = max(max, excluded.max),
    latest_value = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_value ELSE latest_value END,
    latest_observed_at = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_observed_at ELSE latest_observed_at END,
    latest_id = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_id ELSE latest_id END;
END;--> statement-breakpoint
-- A void or a supersede recomputes its day from that day's live rows: one range of measurements_rollup_idx.
CREATE TRIGGER `measurements_daily_rollup_on_correction` AFTER UPDATE OF `voided_at`, `superseded_by` ON `measurements`
WHEN OLD.voided_at IS NULL AND OLD.superseded_by IS NULL AND (NEW.voided_at IS NOT NULL OR NEW.superseded_by IS NOT NULL)
BEGIN
  DELETE FROM measurement_daily_rollups
  WHERE metric_id = NEW.metric_id AND definition_version = NEW.definition_version AND day = substr(NEW.observed_at, 1, 10) AND iteration_id = NEW.iteration_id;
  INSERT INTO measurement_daily_rollups (metric_id, definition_version, day, iteration_id, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  SELECT NEW.metric_id, NEW.definition_version, substr(NEW.observed_at, 1, 10), NEW.iteration_id, a.c, a.s, a.mn, a.mx, l.value, l.observed_at, l.id
  FROM (
    SELECT count(*) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx FROM measurements
    WHERE iteration_id = NEW.iteration_id AND metric_id = NEW.metric_id AND definition_version = NEW.definition_version
      AND observed_at >= substr(NEW.observed_at, 1, 10) AND observed_at < date(substr(NEW.observed_at, 1, 10), '+1 day')
      AND voided_at IS NULL AND superseded_by IS NULL
  ) a
  JOIN (
    SELECT value, observed_at, id FROM measurements
    WHERE iteration_id = NEW.iteration_id AND metric_id = NEW.metric_id AND definition_version = NEW.definition_version
      AND observed_at >= substr(NEW.observed_at, 1, 10) AND observed_at < date(substr(NEW.observed_at, 1, 10), '+1 day')
      AND voided_at IS NULL AND superseded_by IS NULL
    ORDER BY observed_at DESC, id DESC LIMIT 1
  ) l
  WHERE a.c > 0;
END;--> statement-breakpoint
-- The measurements logged before this migration.
INSERT INTO measurement_daily_rollups (metric_id, definition_version, day, iteration_id, count, sum, min, max, latest_value, latest_observed_at, latest_id)
SELECT g.metric_id, g.definition_version, g.day, g.iteration_id, g.c, g.s, g.mn, g.mx, l.value, l.observed_at, l.id
FROM (
  SELECT metric_id, definition_version, substr(observed_at, 1, 10) AS day, iteration_id, count(*) AS c, sum(value) AS s, min(value) AS mn, max(value) AS mx
  FROM measurements WHERE voided_at IS NULL AND superseded_by IS NULL
  GROUP BY metric_id, definition_version, substr(observed_at, 1, 10), iteration_id
) g
JOIN measurements l ON l.id = (
  SELECT id FROM measurements m
  WHERE m.iteration_id = g.iteration_id AND m.metric_id = g.metric_id AND m.definition_version = g.definition_version
    AND m.observed_at >= g.day AND m.observed_at < date(g.day, '+1 day') AND m.voided_at IS NULL AND m.superseded_by IS NULL
  ORDER BY m.observed_at DESC, m.id DESC LIMIT 1
);
