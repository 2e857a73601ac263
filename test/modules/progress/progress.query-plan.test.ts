import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRESS_BY_ID_SQL, PROGRESS_BY_KEY_SQL } from '../../../src/modules/progress/progress.sql';
import { makeApp, type TestApp } from '../../helpers/app';
import { ledgerScans, queryPlan } from '../../helpers/query-plan';
import { buildFixture } from '../dashboard/fixture';
import { useBenchmarkScaleStats } from '../dashboard/scale-stats';

/** The one statement of GET /v1/initiatives/{id}/progress, by id and by key: index searches only, never the ledger. */
let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
  await buildFixture(t);
});
afterAll(() => t.close());

function checkPlans(): void {
  for (const [name, sql] of Object.entries({ PROGRESS_BY_ID_SQL, PROGRESS_BY_KEY_SQL })) {
    const plan = queryPlan(t.db, sql, { ref: 'lead-scoring' });
    expect(ledgerScans(plan)).toEqual([]);
    expect(plan.filter((step) => /\bmeasurements\b/.test(step))).toEqual([]);
    expect(plan.filter((step) => step.startsWith('SCAN ')), name).toEqual([]);
    expect(plan[0]).toMatch(name === 'PROGRESS_BY_ID_SQL' ? /^SEARCH i USING INDEX sqlite_autoindex_initiatives_1 \(id=\?\)/ : /^SEARCH i USING INDEX initiatives_key_unique \(key=\?\)/);
    const text = plan.join('\n');
    expect(text).toMatch(/SEARCH it USING INDEX iterations_initiative_number_unique \(initiative_id=\?\)/);
    expect(text).toMatch(/SEARCH ro USING INDEX sqlite_autoindex_measurement_rollups_1 \(iteration_id=\? AND metric_id=\? AND definition_version=\?\)/);
    expect(text).toMatch(/SEARCH h USING INDEX hypotheses_iteration_idx \(iteration_id=\?\)/);
  }
}

describe('query plan of the progress statement, by id and by key', () => {
  it('searches by index from the initiative down, scans nothing and never touches the ledger (as served: no statistics)', () => {
    checkPlans();
  });

  it('keeps that shape with the statistics of the benchmark scale', () => {
    useBenchmarkScaleStats(t.db);
    checkPlans();
  });
});
