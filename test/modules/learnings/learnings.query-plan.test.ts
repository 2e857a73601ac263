import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEARNING_FILTERS, learningsSql, type LearningFilter } from '../../../src/modules/learnings/learnings.repo';
import { makeApp, type TestApp } from '../../helpers/app';
import { ledgerScans, queryPlan } from '../../helpers/query-plan';

/**
 * The plan of every statement the learnings list can run (each filter combination is its own
 * statement): hypotheses by index, everything they show by primary key, never a table scan.
 */

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const subsets = <T>(items: readonly T[]): T[][] => items.reduce<T[][]>((all, item) => [...all, ...all.map((s) => [...s, item])], [[]]);
const planOf = (sql: string) => queryPlan(t.db, sql, Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map((m) => [m[1], null])));
const statements = subsets(Object.keys(LEARNING_FILTERS) as LearningFilter[]).map((filters) => ({ filters, sql: learningsSql(filters) }));

describe('query plans of the learnings list', () => {
  it('no scan of any table (the concluded indexes of migration 0006), no ledger, and the page read in index order unless a team or initiative leads', () => {
    expect(statements).toHaveLength(32);
    for (const { filters, sql } of statements) {
      const plan = planOf(sql);
      const name = `learnings [${filters.join(', ')}]: ${plan.join(' | ')}`;
      expect(ledgerScans(plan), name).toEqual([]);
      expect(plan.some((step) => /\bmeasurement/.test(step)), name).toBe(false);
      expect(plan.filter((step) => step.startsWith('SCAN ')), name).toEqual([]);
      // A team's or an initiative's hypotheses are found through its iterations, then sorted: bounded by that team's.
      if (!filters.includes('team') && !filters.includes('initiative')) expect(plan, name).not.toContain('USE TEMP B-TREE FOR ORDER BY');
    }
    expect(planOf(learningsSql(['metric', 'cursor']))).toContain(
      'SEARCH h USING INDEX hypotheses_metric_concluded_idx (metric_id=? AND concluded_at>? AND (concluded_at,id)<(?,?))',
    );
    expect(planOf(learningsSql([]))[0]).toBe('SEARCH h USING INDEX hypotheses_concluded_idx (concluded_at>?)');
  });
});
