import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InitiativeProgressSchema, type InitiativeProgress } from '../../../src/modules/progress/progress.schemas';
import { PROGRESS_COLUMNS } from '../../../src/modules/progress/progress.csv';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createKey } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { buildFixture, NOW, type Fixture } from '../dashboard/fixture';
import { cell, getCsv, getJson, revalidate } from '../dashboard/read';

/** GET /v1/initiatives/{id}/progress on the fixture of test/modules/dashboard/fixture.ts, checked against hand-computed values. */
let t: TestApp;
let f: Fixture;
beforeAll(async () => {
  t = await makeApp();
  f = await buildFixture(t);
});
afterAll(() => t.close());

const progressOf = (ref: string, key?: string) => getJson(t, `/v1/initiatives/${ref}/progress`, InitiativeProgressSchema, key);
const NO_HYPOTHESES = { proposed: 0, testing: 0, validated: 0, invalidated: 0, inconclusive: 0 };
const deals = { metric: 'deals', definition_version: 1, unit: 'count', direction: 'increase' } as const;

describe('an initiative version by version', () => {
  it('shows lead-scoring as computed by hand at NOW (2026-01-27T09:00Z)', async () => {
    const body = await progressOf('lead-scoring');
    expect(body).toEqual({
      initiative: { id: f.initiatives.lead.id, key: 'lead-scoring', title: 'Score leads', team: 'alpha', theme: 'growth', horizon: 'now', status: 'active', archived_at: null },
      versions: [
        {
          number: 1,
          id: f.lead.v1,
          title: 'v1',
          status: 'closed',
          planned_start: '2026-01-05T00:00:00.000Z',
          planned_end: '2026-01-19T00:00:00.000Z',
          started_at: '2026-01-05T09:00:00.000Z',
          closed_at: '2026-01-15T09:00:00.000Z',
          abandoned_at: null,
          // 01-05T09:00 -> 01-15T09:00.
          days_taken: 10,
          health: 'on_track',
          stale: false,
          hypotheses: { ...NO_HYPOTHESES, invalidated: 1, inconclusive: 1 },
          // current = 6 + 8 = 14 (sum); progress (14 - 10) / (30 - 10) = 0.2; the box ended, so the share is 1: 0.2 < 1 - 0.25.
          tracked_metrics: [{ ...deals, baseline: 10, current: 14, target: 30, progress: 0.2, health: 'off_track' }],
          decision: 'pivot',
          learnings: [
            { observed: 'AEs ignored the scores', learned: 'AEs work accounts, not leads' },
            { observed: 'SDRs called scored leads first', learned: 'Scores help SDRs' },
          ],
        },
        {
          number: 2,
          id: f.lead.v2,
          title: 'v2',
          status: 'closed',
          planned_start: '2026-01-15T09:00:00.000Z',
          planned_end: '2026-01-29T09:00:00.000Z',
          started_at: '2026-01-15T09:00:00.000Z',
          closed_at: '2026-01-22T09:00:00.000Z',
          abandoned_at: null,
          days_taken: 7,
          health: null,
          stale: false,
          // H3 validated; H2 carried in and concluded inconclusive again.
          hypotheses: { ...NO_HYPOTHESES, validated: 1, inconclusive: 1 },
          // Carried with v1's final value as baseline: (30 - 14) / (30 - 14) = 1: achieved.
          tracked_metrics: [{ ...deals, baseline: 14, current: 30, target: 30, progress: 1, health: 'achieved' }],
          decision: 'persevere',
          learnings: [{ observed: 'Account scores landed', learned: 'Keep scoring accounts' }],
        },
        {
          number: 3,
          id: f.lead.v3,
          title: 'v3',
          status: 'under_construction',
          planned_start: '2026-01-22T09:00:00.000Z',
          planned_end: '2026-02-05T09:00:00.000Z',
          started_at: '2026-01-22T09:00:00.000Z',
          closed_at: null,
          abandoned_at: null,
          // Still running: 01-22T09:00 -> NOW.
          days_taken: 5,
          health: 'at_risk',
          // Checked in 01-23T09:00, within 7 days of NOW.
          stale: false,
          // H2 carried again, and H5 stated while running: both testing.
          hypotheses: { ...NO_HYPOTHESES, testing: 2 },
          // (36 - 30) / (50 - 30) = 0.3; share 5 / 14 = 0.357: 0.3 >= 0.357 - 0.1, on track.
          tracked_metrics: [{ ...deals, baseline: 30, current: 36, target: 50, progress: 0.3, health: 'on_track' }],
          decision: null,
          learnings: null,
        },
      ],
    } satisfies InitiativeProgress);
  });

  it('answers the same for the id as for the key', async () => {
    expect(await progressOf(f.initiatives.lead.id)).toEqual(await progressOf('lead-scoring'));
  });

  it('shows a version abandoned before it started (no days taken) and a planned one', async () => {
    const body = await progressOf('pricing-test');
    expect(body.initiative).toMatchObject({ team: 'gamma', theme: null, horizon: 'later' });
    expect(body.versions.map(({ number, status, started_at, days_taken, abandoned_at, decision, learnings, tracked_metrics }) => ({
      number, status, started_at, days_taken, abandoned_at, decision, learnings, tracked_metrics,
    }))).toEqual([
      { number: 1, status: 'abandoned', started_at: null, days_taken: null, abandoned_at: '2026-01-08T09:00:00.000Z', decision: null, learnings: null, tracked_metrics: [] },
      { number: 2, status: 'planned', started_at: null, days_taken: null, abandoned_at: null, decision: null, learnings: null, tracked_metrics: [] },
    ]);
    expect(body.versions[1]!.hypotheses).toEqual({ ...NO_HYPOTHESES, proposed: 1 });
  });

  it('computes each tracked metric as the tracked-metrics API does', async () => {
    const body = await progressOf('renewal-play');
    const res = await t.call({ method: 'GET', url: `/v1/iterations/${f.renewal.v1}/metrics` });
    const api = (res.json() as { data: Array<{ metric: { key: string }; current: number | null; progress: number | null; health: string }> }).data;
    const fromApi = api.map((m) => ({ metric: m.metric.key, current: m.current, progress: m.progress, health: m.health })).sort((a, b) => a.metric.localeCompare(b.metric));
    expect(body.versions[0]!.tracked_metrics.map(({ metric, current, progress, health }) => ({ metric, current, progress, health }))).toEqual(fromApi);
    // By hand, share (NOW - 01-10T00:00) / 21 days = 17.375 / 21 = 0.827:
    expect(fromApi).toEqual([
      { metric: 'calls', current: null, progress: null, health: 'no_data' },
      // average (36 + 34) / 2 = 35; (35 - 40) / (30 - 40) = 0.5 < 0.827 - 0.25.
      { metric: 'cycle_days', current: 35, progress: 0.5, health: 'off_track' },
      // latest 7; 0.7 >= 0.827 - 0.25 but < 0.827 - 0.1.
      { metric: 'nps', current: 7, progress: 0.7, health: 'at_risk' },
    ]);
  });

  it('is a 404 for an unknown initiative, by key or by id', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/initiatives/no-such-thing/progress' }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: '/v1/initiatives/ini_01aaaaaaaaaaaaaaaaaaaaaaaa/progress' }), 404, 'not_found');
  });

  it('shows an initiative before its first version: no versions, and a CSV of the header alone', async () => {
    const fresh = await createInitiative(t, { team: 'gamma', key: 'not-started-yet' });
    expect((await progressOf(fresh.key)).versions).toEqual([]);
    const { header, rows } = await getCsv(t, `/v1/initiatives/${fresh.id}/progress`);
    expect([header.length, rows]).toEqual([PROGRESS_COLUMNS.length, []]);
  });

  it('shows archived initiatives too, as GET /v1/initiatives/{id} does', async () => {
    const body = await progressOf('archived-thing');
    expect(body.initiative.archived_at).not.toBeNull();
    expect(body.versions).toHaveLength(1);
  });
});

describe('forms and access', () => {
  it('has a CSV form: one row per (version, tracked metric), version columns repeated, matching the JSON', async () => {
    const json = await progressOf('renewal-play');
    const { header, rows } = await getCsv(t, '/v1/initiatives/renewal-play/progress');
    expect(header).toEqual([...PROGRESS_COLUMNS]);
    const v = json.versions[0]!;
    expect(rows.map((r) => [cell(r.version), r.iteration_id, r.iteration_status, cell(r.hypotheses_validated), cell(r.days_taken), r.metric, cell(r.current), cell(r.progress), r.metric_health])).toEqual(
      v.tracked_metrics.map((m) => [1, f.renewal.v1, 'under_construction', 1, v.days_taken, m.metric, m.current, m.progress, m.health]),
    );
    expect(new Set(rows.map((r) => r.started_at))).toEqual(new Set([v.started_at]));
  });

  it('keeps a version without tracked metrics as one row with empty metric columns', async () => {
    const { rows } = await getCsv(t, '/v1/initiatives/pricing-test/progress');
    expect(rows.map((r) => [r.version, r.iteration_status, r.abandoned_at, r.hypotheses_proposed, r.metric, r.metric_health, r.learnings_count])).toEqual([
      ['1', 'abandoned', '2026-01-08T09:00:00.000Z', '0', '', '', ''],
      ['2', 'planned', '', '1', '', '', ''],
    ]);
    const lead = await getCsv(t, '/v1/initiatives/lead-scoring/progress');
    expect(lead.rows.map((r) => [r.version, r.decision, r.learnings_count, r.baseline, r.current, r.target, r.progress, r.metric_health])).toEqual([
      ['1', 'pivot', '2', '10', '14', '30', '0.2', 'off_track'],
      ['2', 'persevere', '1', '14', '30', '30', '1', 'achieved'],
      ['3', '', '', '30', '36', '50', '0.3', 'on_track'],
    ]);
  });

  it('answers 304 to If-None-Match, each form with its own ETag, and changes the ETag when a write changes the answer', async () => {
    const json = await revalidate(t, '/v1/initiatives/lead-scoring/progress');
    const csv = await revalidate(t, '/v1/initiatives/lead-scoring/progress.csv');
    expect([json.again, csv.again]).toEqual([304, 304]);
    expect(json.etag).not.toBe(csv.etag);
    const res = await t.call({ method: 'POST', url: `/v1/iterations/${f.lead.v3}/check-ins`, payload: { health: 'off_track' } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await progressOf('lead-scoring')).versions[2]!.health).toBe('off_track');
    expect((await revalidate(t, '/v1/initiatives/lead-scoring/progress')).etag).not.toBe(json.etag);
  });

  it('takes a viewer key as access_token, and refuses an editor key there (401)', async () => {
    const viewer = await createKey(t, 'viewer');
    const editor = await createKey(t, 'editor', ['alpha']);
    const ok = await t.call({ method: 'GET', url: `/v1/initiatives/lead-scoring/progress?format=csv&access_token=${viewer.secret}`, key: null });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.body.startsWith('initiative_id,')).toBe(true);
    expectProblem(await t.call({ method: 'GET', url: `/v1/initiatives/lead-scoring/progress?access_token=${editor.secret}`, key: null }), 401, 'unauthorized');
    expect((await t.call({ method: 'GET', url: '/v1/initiatives/lead-scoring/progress', key: viewer.secret })).statusCode).toBe(200);
  });
});

// Last: the clock only moves forward from here (a cached answer holds until its expiry, and the
// read cache has no notion of a clock going back).
describe('as the clock moves', () => {
  beforeAll(() => t.clock.set(NOW));

  it('counts days taken while running, to the tenth of a day', async () => {
    // Read at NOW (fills the cache), then past the next tenth of a day: 5 days + 0.05 rounds up.
    expect((await progressOf('lead-scoring')).versions[2]).toMatchObject({ days_taken: 5, stale: false });
    t.clock.set('2026-01-27T10:11:59.999Z');
    expect((await progressOf('lead-scoring')).versions[2]).toMatchObject({ days_taken: 5 });
    t.clock.set('2026-01-27T10:12:00.000Z');
    expect((await progressOf('lead-scoring')).versions[2]).toMatchObject({ days_taken: 5.1 });
  });

  it('moves pace-based health at most a minute late, though nothing was written', async () => {
    // v3 deals: progress 0.3, box 01-22T09:00 -> 02-05T09:00 (14 days). On track while 0.3 >= share - 0.1,
    // that is until the share passes 0.4: 5.6 days in, at 01-27T23:24:00.
    t.clock.set('2026-01-27T23:23:30.000Z');
    expect((await progressOf('lead-scoring')).versions[2]!.tracked_metrics[0]!.health).toBe('on_track');
    // Within PACE_BOUND_MS of that read the cached answer may stand (the documented bound) ...
    t.clock.set('2026-01-27T23:24:29.000Z');
    expect((await progressOf('lead-scoring')).versions[2]!.tracked_metrics[0]!.health).toBe('on_track');
    // ... and past it the health is read afresh: share 0.4 + 31 s / 14 days, at risk.
    t.clock.set('2026-01-27T23:24:31.000Z');
    expect((await progressOf('lead-scoring')).versions[2]!.tracked_metrics[0]!.health).toBe('at_risk');
  });
  it('turns stale once no check-in came for 7 days', async () => {
    // Last check-in 01-23T09:00 (the one of the ETag test came at NOW): stale from NOW + 7 days, strictly after.
    t.clock.set('2026-02-03T08:59:30.000Z');
    expect((await progressOf('lead-scoring')).versions[2]!.stale).toBe(false);
    t.clock.set('2026-02-03T09:00:00.000Z');
    expect((await progressOf('lead-scoring')).versions[2]!.stale).toBe(false);
    t.clock.set('2026-02-03T09:00:00.001Z');
    expect((await progressOf('lead-scoring')).versions[2]!.stale).toBe(true);
  });
});
