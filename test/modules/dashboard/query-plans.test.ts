import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roadmapSql } from '../../../src/modules/dashboard/dashboard-roadmap.sql';
import { summaryCountsSql, summaryOverdueSql, summaryTrackedSql } from '../../../src/modules/dashboard/dashboard-summary.sql';
import { filterClause, type DashboardFilters } from '../../../src/modules/dashboard/dashboard.filters';
import { makeApp, type TestApp } from '../../helpers/app';
import { ledgerScans, queryPlan } from '../../helpers/query-plan';
import { buildFixture } from './fixture';
import { useBenchmarkScaleStats } from './scale-stats';

/**
 * Every statement the dashboard reads run, for each shape of filters, planned by SQLite: none
 * touches the measurement ledger, the rollups are read by primary key, and nothing but the
 * initiatives being summarized (and the CTEs and subqueries built from them) is scanned whole.
 */
let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
  await buildFixture(t);
});
afterAll(() => t.close());

const SHAPES: Record<string, DashboardFilters> = {
  none: { archived: 'false' },
  all: { archived: 'all' },
  team: { teamId: 'team_x', archived: 'false' },
  theme: { themeId: 'theme_x', archived: 'true' },
  'horizon and theme': { themeId: 'theme_x', horizon: 'now', archived: 'false' },
};
const STATEMENTS = { summaryCountsSql, summaryOverdueSql, summaryTrackedSql, roadmapSql };
const PARAMS = { now: '2026-01-27T09:00:00.000Z', stale_before: '2026-01-20T09:00:00.000Z', limit: 50, teamId: 'team_x', themeId: 'theme_x', horizon: 'now' };

/** What a step scans whole, if it does: the initiatives `i` (the set summarized), a CTE or a subquery are fine. */
const ALLOWED_SCANS = /^SCAN (i|ini|its|\(subquery-\d+\))( USING (COVERING )?INDEX initiatives_\w+)?$/;

function checkPlan(plan: string[], shape: string): void {
  expect(ledgerScans(plan)).toEqual([]);
  expect(plan.filter((step) => /\bmeasurements\b/.test(step)), 'no step touches the ledger').toEqual([]);
  expect(plan.filter((step) => step.startsWith('SCAN ') && !ALLOWED_SCANS.test(step)), `full scans with ${shape}`).toEqual([]);
  for (const step of plan.filter((s) => / r\b| measurement_rollups\b/.test(s))) expect(step).toMatch(/USING INDEX sqlite_autoindex_measurement_rollups_1 \(iteration_id=\? AND metric_id=\? AND definition_version=\?\)/);
  if (shape === 'team') expect(plan.some((s) => /SEARCH i USING INDEX initiatives_team_idx/.test(s)), plan.join('\n')).toBe(true);
  if (shape === 'theme') expect(plan.some((s) => /SEARCH i USING INDEX initiatives_theme_idx/.test(s)), plan.join('\n')).toBe(true);
}

describe('query plans of the dashboard statements', () => {
  for (const [name, build] of Object.entries(STATEMENTS)) {
    for (const [shape, filters] of Object.entries(SHAPES)) {
      it(`${name}, filters: ${shape}`, () => {
        checkPlan(queryPlan(t.db, build(filterClause(filters).where), PARAMS), shape);
      });
    }
  }

  it('keep their shape with the statistics of the benchmark scale (2,000 initiatives, 10,000 iterations, 40,000 hypotheses)', () => {
    useBenchmarkScaleStats(t.db);
    for (const build of Object.values(STATEMENTS)) {
      for (const [shape, filters] of Object.entries(SHAPES)) checkPlan(queryPlan(t.db, build(filterClause(filters).where), PARAMS), shape);
    }
  });

  it('walk from the initiatives down the foreign-key indexes', () => {
    const plan = queryPlan(t.db, summaryCountsSql(filterClause(SHAPES.team!).where), PARAMS).join('\n');
    expect(plan).toMatch(/SEARCH it USING INDEX iterations_initiative_number_unique \(initiative_id=\?\)/);
    expect(plan).toMatch(/SEARCH h USING INDEX hypotheses_iteration_idx \(iteration_id=\?\)/);
    expect(plan).toMatch(/SEARCH a USING INDEX action_items_iteration_idx \(iteration_id=\?\)/);
    expect(plan).toMatch(/SEARCH n USING COVERING INDEX action_items_carried_from_idx \(carried_from=\?\)/);
    const tracked = queryPlan(t.db, summaryTrackedSql(filterClause(SHAPES.team!).where), PARAMS).join('\n');
    expect(tracked).toMatch(/SEARCH it USING INDEX iterations_one_active_per_initiative \(initiative_id=\?\)/);
    expect(tracked).toMatch(/SEARCH tm USING INDEX tracked_metrics_iteration_metric_unique \(iteration_id=\?\)/);
  });
});
