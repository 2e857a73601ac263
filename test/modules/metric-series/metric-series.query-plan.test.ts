import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERVALS } from '../../../src/modules/metric-series/metric-series.schemas';
import {
  COMPARISON_FILTERS,
  comparisonSql,
  DEFINITIONS_SQL,
  SERIES_FILTERS,
  seriesSql,
  type ComparisonFilter,
  type SeriesFilter,
} from '../../../src/modules/metric-series/metric-series.sql';
import { makeApp, type TestApp } from '../../helpers/app';
import { ledgerScans, queryPlan } from '../../helpers/query-plan';

/**
 * The plan of every statement the series and the comparison can run (each filter combination is
 * its own statement). They read rollups by index and never the measurement ledger.
 */

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const subsets = <T>(items: readonly T[]): T[][] => items.reduce<T[][]>((all, item) => [...all, ...all.map((s) => [...s, item])], [[]]);
/** Every named parameter bound to null (the plan does not depend on the values). */
const planOf = (sql: string) => queryPlan(t.db, sql, Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1], null])));
/** SCAN steps over a table (the statement's own co-routines, its subqueries, are not tables). */
const tableScans = (plan: string[]) => plan.filter((step) => /^SCAN /.test(step) && !/^SCAN (\(subquery-\d+\)|g)$/.test(step));
const touchesLedger = (plan: string[]) => plan.some((step) => /\bmeasurements\b/.test(step));

const seriesStatements = INTERVALS.flatMap((interval) =>
  subsets(Object.keys(SERIES_FILTERS) as SeriesFilter[]).map((filters) => ({ name: `series ${interval} [${filters.join(', ')}]`, sql: seriesSql(interval, filters) })),
);
const comparisonStatements = subsets(Object.keys(COMPARISON_FILTERS) as ComparisonFilter[]).map((filters) => ({
  name: `comparison [${filters.join(', ')}]`,
  sql: comparisonSql(filters),
}));

describe('query plans of the metric series and comparison', () => {
  it('the series: the daily rollups of one metric by primary key, filters through indexes, no table scan', () => {
    expect(seriesStatements).toHaveLength(12);
    for (const { name, sql } of seriesStatements) {
      const plan = planOf(sql);
      expect(ledgerScans(plan), name).toEqual([]);
      expect(touchesLedger(plan), name).toBe(false);
      expect(plan, name).toContain('SEARCH r USING PRIMARY KEY (metric_id=?)');
      // The only SCAN walks the statement's own co-routine g (the buckets); each bucket's latest is one primary-key probe.
      expect(tableScans(plan), name).toEqual([]);
      expect(plan.filter((s) => s.startsWith('SCAN ')), name).toEqual(['SCAN g']);
      expect(plan, name).toContain(
        'SEARCH x USING PRIMARY KEY (metric_id=? AND definition_version=? AND day=?)',
      );
    }
    expect(planOf(seriesSql('week', ['initiative', 'team']))).toEqual(
      expect.arrayContaining([
        'SEARCH iterations USING INDEX iterations_initiative_number_unique (initiative_id=?)',
        'SEARCH i USING INDEX initiatives_team_idx (team_id=?)',
      ]),
    );
  });

  it("a metric's definitions: by primary key", () => {
    expect(queryPlan(t.db, DEFINITIONS_SQL, [null])).toEqual(['SEARCH metric_definitions USING INDEX sqlite_autoindex_metric_definitions_1 (metric_id=?)']);
  });

  it('the comparison: tracked metrics of the metric by index (tracked_metrics_metric_idx, migration 0006), rollups by primary key', () => {
    expect(comparisonStatements).toHaveLength(16);
    for (const { name, sql } of comparisonStatements) {
      const plan = planOf(sql);
      expect(ledgerScans(plan), name).toEqual([]);
      expect(touchesLedger(plan), name).toBe(false);
      expect(tableScans(plan), name).toEqual([]);
      expect(plan, name).toContain('SEARCH r USING INDEX sqlite_autoindex_measurement_rollups_1 (iteration_id=? AND metric_id=?) LEFT-JOIN');
    }
    expect(planOf(comparisonSql([]))[0]).toBe('SEARCH tm USING INDEX tracked_metrics_metric_idx (metric_id=?)');
  });
});
