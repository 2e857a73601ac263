import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportScope } from '../../../src/modules/exports/export-scope';
import { INITIATIVES_STATE_SQL, liveCountSql, MAX_ID_SQL } from '../../../src/modules/exports/measurements-export.etag';
import { measurementExportSql } from '../../../src/modules/exports/measurements-export.sql';
import { progressSql } from '../../../src/modules/exports/progress-export.sql';
import { makeApp, type TestApp } from '../../helpers/app';
import { ledgerScans, queryPlan } from '../../helpers/query-plan';

/** Every statement the exports run, as SQLite plans it. */
let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

// Any value does for planning; extra names are ignored.
const PARAMS = { after: '', upto: 'z', skip: 1999, initiativeId: 'x', metricId: 'x', teamId: 'x', themeId: 'x', metricIds: '["x"]', from: 'a', to: 'b' };
const plan = (sql: string) => queryPlan(t.db, sql, PARAMS);

/** The tables and indexes a statement opens, from its bytecode (OpenRead names a root page). */
function opened(sql: string): string[] {
  const names = new Map(
    (t.db.$client.prepare('SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0').all() as Array<{ name: string; rootpage: number }>).map((r) => [r.rootpage, r.name]),
  );
  const code = t.db.$client.prepare(`EXPLAIN ${sql}`).all(PARAMS) as Array<{ opcode: string; p2: number }>;
  return [...new Set(code.filter((op) => op.opcode === 'OpenRead').map((op) => names.get(op.p2) ?? `page ${op.p2}`))].sort();
}

const SCOPES: Record<string, ExportScope> = {
  'the whole ledger': {},
  'an initiative': { initiativeId: 'x' },
  'one metric': { metricIds: ['x'] },
  'several metrics': { metricIds: ['x', 'y'] },
  'a team': { teamId: 'x' },
  'a theme and a range': { themeId: 'x', from: 'a', to: 'b' },
  'an initiative, metrics and a range': { initiativeId: 'x', metricIds: ['x', 'y'], from: 'a' },
};

describe('the measurements export', () => {
  it.each(Object.entries(SCOPES))('reads one bounded window of ids per chunk, on an index, for %s', (_name, scope) => {
    const { boundarySql, rowsSql } = measurementExportSql(t.db)(scope);
    // The boundary walks a covering index from @after, @skip entries at most.
    expect(plan(boundarySql)).toEqual([expect.stringMatching(/^SEARCH measurements USING COVERING INDEX \w+ \((\w+=\? AND )?id>\?\)$/)]);
    const rows = plan(rowsSql);
    // The window is an index range closed on both ends, never a scan of the ledger.
    expect(rows.filter((s) => /^SEARCH m /.test(s))).toEqual([expect.stringMatching(/USING INDEX \w+ \((\w+=\? AND )?id>\? AND id<\?\)$/)]);
    expect(ledgerScans(rows)).toEqual([]);
    // (So the bytecode check below would see the ledger if a progress statement opened it.)
    expect(opened(rowsSql)).toContain('measurements');
    // Everything else is a primary-key or index lookup (json_each is the metric list).
    expect(rows.filter((s) => /^SCAN /.test(s) && !/^SCAN json_each /.test(s))).toEqual([]);
  });

  it('tags the export from a primary-key probe of the ledger and the rollups', () => {
    expect(plan(MAX_ID_SQL)).toEqual(['SEARCH measurements USING COVERING INDEX sqlite_autoindex_measurements_1']);
    // One row per (iteration, metric, definition version) measured, bounded by the organisation, not the ledger.
    expect(plan(liveCountSql(false))).toEqual(['SCAN measurement_rollups']);
    expect(plan(liveCountSql(true))[0]).toBe('SEARCH measurement_rollups USING INDEX measurement_rollups_metric_idx (metric_id=?)');
    expect(plan(INITIATIVES_STATE_SQL)).toEqual(['SCAN initiatives']);
    expect(opened(liveCountSql(false))).toEqual(['measurement_rollups']);
  });
});

describe('the progress export', () => {
  const FILTERS = [[], ['teamId'], ['themeId', 'from', 'to'], ['initiativeId', 'metricIds'], ['metricIds', 'from']] as const;

  it.each(FILTERS.map((f) => [f.join(', ') || 'no filter', f] as const))('never opens the measurement ledger (%s)', (_name, filters) => {
    const sql = progressSql([...filters]);
    const tables = opened(sql);
    expect(tables).toContain('sqlite_autoindex_measurement_rollups_1');
    expect(tables.filter((name) => /^measurements|_measurements_/.test(name))).toEqual([]);
    // Rollups, tracked metrics and catalog rows are found by key, one probe per row.
    const steps = plan(sql);
    expect(steps).toContain('SEARCH r USING INDEX sqlite_autoindex_measurement_rollups_1 (iteration_id=? AND metric_id=? AND definition_version=?) LEFT-JOIN');
    expect(steps.filter((s) => /^SCAN /.test(s) && !/^SCAN (it|json_each)\b/.test(s))).toEqual([]);
  });

  it('reads the filtered team or initiative by index, and the whole organisation otherwise', () => {
    expect(plan(progressSql(['teamId']))).toContain('SEARCH i USING INDEX initiatives_team_idx (team_id=?)');
    expect(plan(progressSql(['initiativeId']))).toContain('SEARCH it USING INDEX iterations_initiative_number_unique (initiative_id=?)');
    // Every version of the organisation: the export's own size, not history.
    expect(plan(progressSql([]))[0]).toMatch(/^SCAN it\b/);
  });
});
