import type { Db } from '../../../src/db/client';

/**
 * Table statistics (sqlite_stat1) describing the benchmark's large data set, so a query plan can be
 * checked as SQLite would choose it at that scale rather than on a fixture of a few rows (where a
 * scan of a three-row table is rightly cheaper than an index). Each entry: rows, then rows per
 * distinct value of the index's leading columns.
 */
const STATS: Array<[table: string, index: string | null, stat: string]> = [
  ['teams', 'sqlite_autoindex_teams_1', '50 1'],
  ['teams', 'teams_key_unique', '50 1'],
  ['themes', 'sqlite_autoindex_themes_1', '8 1'],
  ['themes', 'themes_key_unique', '8 1'],
  ['initiatives', 'sqlite_autoindex_initiatives_1', '2000 1'],
  ['initiatives', 'initiatives_key_unique', '2000 1'],
  ['initiatives', 'initiatives_team_idx', '2000 40'],
  ['initiatives', 'initiatives_theme_idx', '2000 250'],
  ['initiatives', 'initiatives_updated_idx', '2000 1'],
  ['iterations', 'sqlite_autoindex_iterations_1', '10000 1'],
  ['iterations', 'iterations_initiative_number_unique', '10000 5 1'],
  ['iterations', 'iterations_one_active_per_initiative', '2000 1'],
  ['hypotheses', 'sqlite_autoindex_hypotheses_1', '40000 1'],
  ['hypotheses', 'hypotheses_iteration_idx', '40000 4'],
  ['hypotheses', 'hypotheses_metric_idx', '40000 200'],
  ['action_items', 'sqlite_autoindex_action_items_1', '10000 1'],
  ['action_items', 'action_items_iteration_idx', '10000 1'],
  ['action_items', 'action_items_status_idx', '10000 3333'],
  ['action_items', 'action_items_carried_from_idx', '10000 2'],
  ['retrospectives', 'sqlite_autoindex_retrospectives_1', '8000 1'],
  ['metrics', 'sqlite_autoindex_metrics_1', '200 1'],
  ['metrics', 'metrics_key_unique', '200 1'],
  ['metrics', 'metrics_team_idx', '200 50'],
  ['tracked_metrics', 'sqlite_autoindex_tracked_metrics_1', '20000 1'],
  ['tracked_metrics', 'tracked_metrics_iteration_metric_unique', '20000 2 1'],
  ['measurement_rollups', 'sqlite_autoindex_measurement_rollups_1', '40000 4 1 1'],
  ['measurement_rollups', 'measurement_rollups_metric_idx', '40000 200'],
];

/** Loads the statistics into this connection's planner (ANALYZE creates sqlite_stat1; `ANALYZE sqlite_schema` reloads it). */
export function useBenchmarkScaleStats(db: Db): void {
  const c = db.$client;
  c.exec('ANALYZE');
  c.exec('DELETE FROM sqlite_stat1');
  const insert = c.prepare('INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)');
  for (const [table, index, stat] of STATS) insert.run(table, index, stat);
  c.exec('ANALYZE sqlite_schema');
}
