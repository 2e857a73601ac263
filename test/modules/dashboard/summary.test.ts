import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardSummarySchema, type DashboardSummary } from '../../../src/modules/dashboard/dashboard.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { buildFixture, NOW, type Fixture } from './fixture';
import { csvRecords, getJson, revalidate } from './read';

/** GET /v1/dashboard/summary on the fixture of fixture.ts, checked against hand-computed values. */
let t: TestApp;
let f: Fixture;
beforeAll(async () => {
  t = await makeApp();
  f = await buildFixture(t);
});
afterAll(() => t.close());

const summary = (query = '', key?: string) => getJson(t, `/v1/dashboard/summary${query}`, DashboardSummarySchema, key);
const NONE = { proposed: 0, testing: 0, validated: 0, invalidated: 0, inconclusive: 0 };
const NO_HEALTH = { on_track: 0, at_risk: 0, off_track: 0, achieved: 0, no_data: 0 };

describe('the summary at NOW (2026-01-27T09:00Z), live initiatives', () => {
  it('counts as computed by hand', async () => {
    expect(await summary()).toEqual({
      // lead-scoring, renewal-play, pricing-test active; forecast-hygiene adopted; archived-thing left out.
      initiatives_by_status: { active: 3, adopted: 1, stopped: 0 },
      // lead v1, v2, forecast v1 closed; lead v3, renewal v1 building; pricing v1 abandoned, v2 planned.
      iterations_by_status: { planned: 1, under_construction: 2, in_review: 0, closed: 3, abandoned: 1 },
      // pricing v2 ended 01-20 and never started; renewal v1 ends 01-31, lead v3 02-05.
      overdue_iterations: {
        count: 1,
        items: [{ iteration_id: f.pricing.v2, initiative: 'pricing-test', number: 2, status: 'planned', planned_end: '2026-01-20T00:00:00.000Z' }],
        truncated: false,
      },
      // Check-ins 01-21 (renewal) and 01-23 (lead v3), both within 7 days.
      stale_iterations: 0,
      // proposed: H8; testing: H2'', H5; validated: H3, H6, H7; invalidated: H1; inconclusive: H2, H2'. 3 / (3 + 1 + 2).
      hypotheses: { proposed: 1, testing: 2, validated: 3, invalidated: 1, inconclusive: 2, validation_rate: 0.5 },
      // Closed lengths 10 (lead v1), 7 (lead v2), 14 (forecast v1): the median is 10.
      median_iteration_days: 10,
      // lead v3 deals on track; renewal cycle_days off track, nps at risk, calls without data (see the progress tests).
      tracked_metrics_by_health: { ...NO_HEALTH, on_track: 1, at_risk: 1, off_track: 1, no_data: 1 },
      // Latest copies: AI1'' (carried twice: recurring), AI3' (once), AI4, AI5; AI2 is done.
      action_items: { open: 4, recurring: 1 },
    } satisfies DashboardSummary);
  });

  it('has a CSV form of long rows measure,key,value saying the same', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/dashboard/summary.csv' });
    expect(res.statusCode, res.body).toBe(200);
    expect(csvRecords(res.body)).toEqual(
      [
        'measure,key,value',
        'initiatives_by_status,active,3',
        'initiatives_by_status,adopted,1',
        'initiatives_by_status,stopped,0',
        'iterations_by_status,planned,1',
        'iterations_by_status,under_construction,2',
        'iterations_by_status,in_review,0',
        'iterations_by_status,closed,3',
        'iterations_by_status,abandoned,1',
        'overdue_iterations,count,1',
        'stale_iterations,count,0',
        'hypotheses_by_status,proposed,1',
        'hypotheses_by_status,testing,2',
        'hypotheses_by_status,validated,3',
        'hypotheses_by_status,invalidated,1',
        'hypotheses_by_status,inconclusive,2',
        'hypothesis_validation_rate,rate,0.5',
        'median_iteration_days,days,10',
        'tracked_metrics_by_health,on_track,1',
        'tracked_metrics_by_health,at_risk,1',
        'tracked_metrics_by_health,off_track,1',
        'tracked_metrics_by_health,achieved,0',
        'tracked_metrics_by_health,no_data,1',
        'action_items,open,4',
        'action_items,recurring,1',
      ].map((line) => line.split(',')),
    );
    // A null is an empty value.
    const gamma = await t.call({ method: 'GET', url: '/v1/dashboard/summary?team=gamma&format=csv' });
    expect(gamma.body).toContain('\r\nhypothesis_validation_rate,rate,\r\nmedian_iteration_days,days,\r\n');
  });
});

describe('filters', () => {
  it('team: alpha is lead-scoring alone (archived-thing is archived)', async () => {
    expect(await summary('?team=alpha')).toEqual({
      initiatives_by_status: { active: 1, adopted: 0, stopped: 0 },
      iterations_by_status: { planned: 0, under_construction: 1, in_review: 0, closed: 2, abandoned: 0 },
      overdue_iterations: { count: 0, items: [], truncated: false },
      stale_iterations: 0,
      // validated H3 / (H3 + H1 + H2 + H2').
      hypotheses: { ...NONE, testing: 2, validated: 1, invalidated: 1, inconclusive: 2, validation_rate: 0.25 },
      // Median of 10 and 7.
      median_iteration_days: 8.5,
      tracked_metrics_by_health: { ...NO_HEALTH, on_track: 1 },
      action_items: { open: 2, recurring: 1 },
    });
    // By id as well as by key.
    expect(await summary(`?team=${f.teams.alpha.id}`)).toEqual(await summary('?team=alpha'));
  });

  it('team: gamma has nothing concluded or closed, hence nulls', async () => {
    expect(await summary('?team=gamma')).toMatchObject({
      initiatives_by_status: { active: 1, adopted: 0, stopped: 0 },
      iterations_by_status: { planned: 1, under_construction: 0, in_review: 0, closed: 0, abandoned: 1 },
      overdue_iterations: { count: 1, truncated: false },
      hypotheses: { ...NONE, proposed: 1, validation_rate: null },
      median_iteration_days: null,
      tracked_metrics_by_health: NO_HEALTH,
      action_items: { open: 0, recurring: 0 },
    });
  });

  it('theme and horizon', async () => {
    // growth: lead-scoring and forecast-hygiene. Validated H3, H7 over H3, H7, H1, H2, H2'; lengths 7, 10, 14.
    expect(await summary('?theme=growth')).toMatchObject({
      initiatives_by_status: { active: 1, adopted: 1, stopped: 0 },
      hypotheses: { validated: 2, invalidated: 1, inconclusive: 2, validation_rate: 0.4 },
      median_iteration_days: 10,
      action_items: { open: 3, recurring: 1 },
    });
    // next: renewal-play.
    expect(await summary('?horizon=next')).toMatchObject({
      initiatives_by_status: { active: 1, adopted: 0, stopped: 0 },
      hypotheses: { validated: 1, validation_rate: 1 },
      tracked_metrics_by_health: { ...NO_HEALTH, at_risk: 1, off_track: 1, no_data: 1 },
      action_items: { open: 1, recurring: 0 },
    });
    expect(await summary('?theme=retention&horizon=now')).toMatchObject({ initiatives_by_status: { active: 0, adopted: 0, stopped: 0 } });
  });

  it('archived: true is archived-thing alone, all adds it to the rest', async () => {
    // archived-thing v1 started 01-05T09:00 and never checked in: stale.
    expect(await summary('?archived=true')).toMatchObject({
      initiatives_by_status: { active: 1, adopted: 0, stopped: 0 },
      iterations_by_status: { planned: 0, under_construction: 1, in_review: 0, closed: 0, abandoned: 0 },
      stale_iterations: 1,
      hypotheses: { validated: 1, validation_rate: 1 },
    });
    expect(await summary('?archived=all')).toMatchObject({
      initiatives_by_status: { active: 4, adopted: 1, stopped: 0 },
      stale_iterations: 1,
      hypotheses: { validated: 4, validation_rate: 4 / 7 },
    });
  });

  it('refuses an unknown team or theme (404) and an unknown horizon or parameter (400)', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/dashboard/summary?team=nobody' }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: '/v1/dashboard/summary?theme=nothing' }), 404, 'not_found');
    expect(errorPaths(expectProblem(await t.call({ method: 'GET', url: '/v1/dashboard/summary?horizon=soon' }), 400, 'validation_failed'))).toEqual(['query.horizon']);
    expect(errorPaths(expectProblem(await t.call({ method: 'GET', url: '/v1/dashboard/summary?group_by=team' }), 400, 'validation_failed'))).toEqual(['query.group_by']);
  });
});

describe('caching and access', () => {
  it('answers 304 to If-None-Match, each form with its own ETag', async () => {
    const json = await revalidate(t, '/v1/dashboard/summary?team=alpha');
    const csv = await revalidate(t, '/v1/dashboard/summary?team=alpha', { accept: 'text/csv' });
    expect([json.again, csv.again]).toEqual([304, 304]);
    expect(json.etag).not.toBe(csv.etag);
  });

  it('takes a viewer key as access_token, and refuses an editor or admin key there (401)', async () => {
    const viewer = await createKey(t, 'viewer');
    const editor = await createKey(t, 'editor', ['alpha']);
    const ok = await t.call({ method: 'GET', url: `/v1/dashboard/summary.csv?access_token=${viewer.secret}`, key: null });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.body.startsWith('measure,key,value\r\n')).toBe(true);
    expectProblem(await t.call({ method: 'GET', url: `/v1/dashboard/summary?access_token=${editor.secret}`, key: null }), 401, 'unauthorized');
    expectProblem(await t.call({ method: 'GET', url: `/v1/dashboard/summary?access_token=${t.adminKey}`, key: null }), 401, 'unauthorized');
  });
});

// Last: from here the clock only moves forward (the read cache has no notion of a clock going back).
describe('as the clock moves, without writes', () => {
  it('counts renewal-play stale the moment 7 days pass since its check-in (01-21T09:00)', async () => {
    t.clock.set('2026-01-28T08:59:30.000Z');
    expect((await summary()).stale_iterations).toBe(0);
    t.clock.set('2026-01-28T09:00:00.000Z');
    expect((await summary()).stale_iterations).toBe(0);
    t.clock.set('2026-01-28T09:00:00.001Z');
    expect((await summary()).stale_iterations).toBe(1);
  });

  it('counts renewal-play overdue the moment its planned_end (01-31T00:00) passes', async () => {
    t.clock.set('2026-01-30T23:59:30.000Z');
    // lead v3 turned stale at 01-30T09:00 too.
    expect(await summary()).toMatchObject({ overdue_iterations: { count: 1 }, stale_iterations: 2 });
    t.clock.set('2026-01-31T00:00:00.000Z');
    expect((await summary()).overdue_iterations.count).toBe(1);
    t.clock.set('2026-01-31T00:00:00.001Z');
    expect((await summary()).overdue_iterations).toEqual({
      count: 2,
      items: [
        { iteration_id: f.pricing.v2, initiative: 'pricing-test', number: 2, status: 'planned', planned_end: '2026-01-20T00:00:00.000Z' },
        { iteration_id: f.renewal.v1, initiative: 'renewal-play', number: 1, status: 'under_construction', planned_end: '2026-01-31T00:00:00.000Z' },
      ],
      truncated: false,
    });
  });

  it('answers afresh after a write', async () => {
    const before = await summary();
    const res = await t.call({ method: 'POST', url: `/v1/iterations/${f.renewal.v1}/check-ins`, payload: { health: 'on_track' } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await summary()).stale_iterations).toBe(before.stale_iterations - 1);
    expect(NOW < t.clock.now().toISOString()).toBe(true);
  });
});
