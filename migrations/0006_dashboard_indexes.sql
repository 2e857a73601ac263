CREATE INDEX `tracked_metrics_metric_idx` ON `tracked_metrics` (`metric_id`);--> statement-breakpoint
CREATE INDEX `hypotheses_metric_concluded_idx` ON `hypotheses` (`metric_id`,`concluded_at`,`id`) WHERE concluded_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `hypotheses_concluded_idx` ON `hypotheses` (`concluded_at`,`id`) WHERE concluded_at IS NOT NULL;