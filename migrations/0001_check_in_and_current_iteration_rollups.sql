ALTER TABLE `initiatives` ADD `current_iteration_id` text;--> statement-breakpoint
ALTER TABLE `iterations` ADD `last_check_in_at` text;--> statement-breakpoint
ALTER TABLE `iterations` ADD `last_health` text;--> statement-breakpoint
-- Backfill the rollups from history, then keep them with triggers in the same transaction as every
-- write, so reads of an initiative or a page never sort check-ins or iterations.
UPDATE `iterations` SET
  `last_check_in_at` = (SELECT max(k.created_at) FROM check_ins k WHERE k.iteration_id = iterations.id),
  `last_health` = (SELECT k.health FROM check_ins k WHERE k.iteration_id = iterations.id ORDER BY k.created_at DESC, k.id DESC LIMIT 1);--> statement-breakpoint
UPDATE `initiatives` SET `current_iteration_id` = (
  SELECT x.id FROM iterations x WHERE x.initiative_id = initiatives.id
  ORDER BY x.status IN ('under_construction', 'in_review') DESC, x.number DESC LIMIT 1);--> statement-breakpoint
-- The latest check-in; of two at the same instant the later insert wins, as ids increase.
CREATE TRIGGER `check_ins_rollup` AFTER INSERT ON `check_ins`
BEGIN
  UPDATE iterations SET last_check_in_at = NEW.created_at, last_health = NEW.health
  WHERE id = NEW.iteration_id AND (last_check_in_at IS NULL OR last_check_in_at <= NEW.created_at);
END;--> statement-breakpoint
-- The current iteration: the active one, otherwise the highest number.
CREATE TRIGGER `iterations_current_on_insert` AFTER INSERT ON `iterations`
BEGIN
  UPDATE initiatives SET current_iteration_id = (
    SELECT x.id FROM iterations x WHERE x.initiative_id = NEW.initiative_id
    ORDER BY x.status IN ('under_construction', 'in_review') DESC, x.number DESC LIMIT 1)
  WHERE id = NEW.initiative_id;
END;--> statement-breakpoint
CREATE TRIGGER `iterations_current_on_status` AFTER UPDATE OF `status` ON `iterations`
BEGIN
  UPDATE initiatives SET current_iteration_id = (
    SELECT x.id FROM iterations x WHERE x.initiative_id = NEW.initiative_id
    ORDER BY x.status IN ('under_construction', 'in_review') DESC, x.number DESC LIMIT 1)
  WHERE id = NEW.initiative_id;
END;
