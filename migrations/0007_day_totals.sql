CREATE TABLE `measurement_day_totals` (
	`metric_id` text NOT NULL,
	`definition_version` integer NOT NULL,
	`day` text NOT NULL,
	`count` integer NOT NULL,
	`sum` real NOT NULL,
	`min` real,
	`max` real,
	`latest_value` real,
	`latest_observed_at` text,
	`latest_id` text,
	PRIMARY KEY(`metric_id`, `definition_version`, `day`)
) WITHOUT ROWID;
--> statement-breakpoint
-- The day totals are the daily rollups summed over iterations. A daily row is inserted (a first
-- measurement of its day) or grows by one measurement (the ledger's insert trigger): both add to
-- the total. A correction deletes the daily row and inserts it recomputed: the delete recomputes
-- the total from the day's other rows, the insert then adds the new row back.
CREATE TRIGGER `measurement_day_totals_on_insert` AFTER INSERT ON `measurement_daily_rollups`
BEGIN
  INSERT INTO measurement_day_totals (metric_id, definition_version, day, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  VALUES (NEW.metric_id, NEW.definition_version, NEW.day, NEW.count, NEW.sum, NEW.min, NEW.max, NEW.latest_value, NEW.latest_observed_at, NEW.latest_id)
  ON CONFLICT (metric_id, definition_version, day) DO UPDATE SET
    count = count + excluded.count,
    sum = sum + excluded.sum,
    min = min(min, excluded.min),
    max = max(max, excluded.max),
    latest_value = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_value ELSE latest_value END,
    latest_observed_at = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_observed_at ELSE latest_observed_at END,
    latest_id = CASE WHEN (excluded.latest_observed_at, excluded.latest_id) > (latest_observed_at, latest_id) THEN excluded.latest_id ELSE latest_id END;
END;--> statement-breakpoint
CREATE TRIGGER `measurement_day_totals_on_growth` AFTER UPDATE ON `measurement_daily_rollups`
WHEN NEW.metric_id = OLD.metric_id AND NEW.definition_version = OLD.definition_version AND NEW.day = OLD.day
  AND NEW.count >= OLD.count AND NEW.min <= OLD.min AND NEW.max >= OLD.max
  AND (NEW.latest_observed_at, NEW.latest_id) >= (OLD.latest_observed_at, OLD.latest_id)
BEGIN
  UPDATE measurement_day_totals SET
    count = count + NEW.count - OLD.count,
    sum = sum + NEW.sum - OLD.sum,
    min = min(min, NEW.min),
    max = max(max, NEW.max),
    latest_value = CASE WHEN (NEW.latest_observed_at, NEW.latest_id) > (latest_observed_at, latest_id) THEN NEW.latest_value ELSE latest_value END,
    latest_observed_at = CASE WHEN (NEW.latest_observed_at, NEW.latest_id) > (latest_observed_at, latest_id) THEN NEW.latest_observed_at ELSE latest_observed_at END,
    latest_id = CASE WHEN (NEW.latest_observed_at, NEW.latest_id) > (latest_observed_at, latest_id) THEN NEW.latest_id ELSE latest_id END
  WHERE metric_id = NEW.metric_id AND definition_version = NEW.definition_version AND day = NEW.day;
END;--> statement-breakpoint
-- Any other change of a daily row (none is made today) recomputes the day it left and the one it is in.
CREATE TRIGGER `measurement_day_totals_on_other_update` AFTER UPDATE ON `measurement_daily_rollups`
WHEN NOT (NEW.metric_id = OLD.metric_id AND NEW.definition_version = OLD.definition_version AND NEW.day = OLD.day
  AND NEW.count >= OLD.count AND NEW.min <= OLD.min AND NEW.max >= OLD.max
  AND (NEW.latest_observed_at, NEW.latest_id) >= (OLD.latest_observed_at, OLD.latest_id))
BEGIN
  DELETE FROM measurement_day_totals WHERE metric_id = OLD.metric_id AND definition_version = OLD.definition_version AND day = OLD.day;
  INSERT INTO measurement_day_totals (metric_id, definition_version, day, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  SELECT OLD.metric_id, OLD.definition_version, OLD.day, a.c, a.s, a.mn, a.mx, l.latest_value, l.latest_observed_at, l.latest_id
  FROM (
    SELECT count(*) AS n, sum(count) AS c, sum(sum) AS s, min(min) AS mn, max(max) AS mx FROM measurement_daily_rollups
    WHERE metric_id = OLD.metric_id AND definition_version = OLD.definition_version AND day = OLD.day
  ) a
  JOIN (
    SELECT latest_value, latest_observed_at, latest_id FROM measurement_daily_rollups
    WHERE metric_id = OLD.metric_id AND definition_version = OLD.definition_version AND day = OLD.day
    ORDER BY latest_observed_at DESC, latest_id DESC LIMIT 1
  ) l
  WHERE a.n > 0;
  DELETE FROM measurement_day_totals WHERE metric_id = NEW.metric_id AND definition_version = NEW.definition_version AND day = NEW.day;
  INSERT INTO measurement_day_totals (metric_id, definition_version, day, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  SELECT NEW.metric_id, NEW.definition_version, NEW.day, a.c, a.s, a.mn, a.mx, l.latest_value, l.latest_observed_at, l.latest_id
  FROM (
    SELECT count(*) AS n, sum(count) AS c, sum(sum) AS s, min(min) AS mn, max(max) AS mx FROM measurement_daily_rollups
    WHERE metric_id = NEW.metric_id AND definition_version = NEW.definition_version AND day = NEW.day
  ) a
  JOIN (
    SELECT latest_value, latest_observed_at, latest_id FROM measurement_daily_rollups
    WHERE metric_id = NEW.metric_id AND definition_version = NEW.definition_version AND day = NEW.day
    ORDER BY latest_observed_at DESC, latest_id DESC LIMIT 1
  ) l
  WHERE a.n > 0;
END;--> statement-breakpoint
CREATE TRIGGER `measurement_day_totals_on_delete` AFTER DELETE ON `measurement_daily_rollups`
BEGIN
  DELETE FROM measurement_day_totals WHERE metric_id = OLD.metric_id AND definition_version = OLD.definition_version AND day = OLD.day;
  INSERT INTO measurement_day_totals (metric_id, definition_version, day, count, sum, min, max, latest_value, latest_observed_at, latest_id)
  SELECT OLD.metric_id, OLD.definition_version, OLD.day, a.c, a.s, a.mn, a.mx, l.latest_value, l.latest_observed_at, l.latest_id
  FROM (
    SELECT count(*) AS n, sum(count) AS c, sum(sum) AS s, min(min) AS mn, max(max) AS mx FROM measurement_daily_rollups
    WHERE metric_id = OLD.metric_id AND definition_version = OLD.definition_version AND day = OLD.day
  ) a
  JOIN (
    SELECT latest_value, latest_observed_at, latest_id FROM measurement_daily_rollups
    WHERE metric_id = OLD.metric_id AND definition_version = OLD.definition_version AND day = OLD.day
    ORDER BY latest_observed_at DESC, latest_id DESC LIMIT 1
  ) l
  WHERE a.n > 0;
END;--> statement-breakpoint
-- The daily rollups already there.
INSERT INTO measurement_day_totals (metric_id, definition_version, day, count, sum, min, max, latest_value, latest_observed_at, latest_id)
SELECT g.metric_id, g.definition_version, g.day, g.c, g.s, g.mn, g.mx, l.latest_value, l.latest_observed_at, l.latest_id
FROM (
  SELECT metric_id, definition_version, day, sum(count) AS c, sum(sum) AS s, min(min) AS mn, max(max) AS mx
  FROM measurement_daily_rollups GROUP BY metric_id, definition_version, day
) g
JOIN measurement_daily_rollups l ON l.metric_id = g.metric_id AND l.definition_version = g.definition_version AND l.day = g.day
  AND l.iteration_id = (
    SELECT x.iteration_id FROM measurement_daily_rollups x
    WHERE x.metric_id = g.metric_id AND x.definition_version = g.definition_version AND x.day = g.day
    ORDER BY x.latest_observed_at DESC, x.latest_id DESC LIMIT 1
  );
