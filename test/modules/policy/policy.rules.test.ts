import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { makeApp, type TestApp } from '../../helpers/app';
import {
  createInitiative,
  createIteration,
  createMetric,
  createTeam,
  putPolicy,
  putRetrospective,
  transitionIteration,
} from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { IterationSchema } from '../../../src/modules/iterations/iterations.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());
// Every test starts from the default policy (all rules off).
beforeEach(async () => {
  await putPolicy(t, {});
});

const count = (table: string): number => (t.db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** A 422 policy_violation naming the rule, saying what to do, and leaving every table as it was. */
async function expectRefused(send: () => Promise<LightMyRequestResponse>, rule: string) {
  const tables = ['activity', 'initiatives', 'iterations', 'hypotheses', 'tracked_metrics'];
  const before = tables.map(count);
  const problem = expectProblem(await send(), 422, 'policy_violation');
  expect(problem.rule).toBe(rule);
  expect(problem.detail.length).toBeGreaterThan(40);
  expect(tables.map(count)).toEqual(before);
  return problem;
}

const post = (url: string, payload?: Record<string, unknown>) => t.call({ method: 'POST', url, ...(payload ? { payload } : {}) });
const planned = async (body: Record<string, unknown> = {}) => createIteration(t, (await createInitiative(t)).key, body);
const status = async (id: string) => IterationSchema.parse((await t.call({ method: 'GET', url: `/v1/iterations/${id}` })).json()).status;
const hypothesis = (metric: string) => ({ statement: 'We believe that it works', metric, operator: 'gte', threshold: 1 });

describe('require_central_metrics', () => {
  it('on: a tracked metric or a hypothesis on a team metric is refused; central metrics are fine', async () => {
    const it1 = await planned();
    const team = await createTeam(t);
    const teamMetric = await createMetric(t, { team: team.key });
    const central = await createMetric(t);
    const { policy } = await putPolicy(t, { require_central_metrics: true });
    expect(policy.require_central_metrics).toBe(true);

    const p = await expectRefused(() => post(`/v1/iterations/${it1.id}/metrics`, { metric: teamMetric.key, target: 1 }), 'require_central_metrics');
    expect(p.detail).toContain(teamMetric.key);
    expect(p.detail).toContain('promote');
    await expectRefused(() => post(`/v1/iterations/${it1.id}/hypotheses`, hypothesis(teamMetric.key)), 'require_central_metrics');

    expect((await post(`/v1/iterations/${it1.id}/metrics`, { metric: central.key, target: 1 })).statusCode).toBe(201);
    const created = await post(`/v1/iterations/${it1.id}/hypotheses`, hypothesis(central.key));
    expect(created.statusCode, created.body).toBe(201);
    // Moving a hypothesis to a team metric is refused like creating one.
    await expectRefused(
      () => t.call({ method: 'PATCH', url: `/v1/hypotheses/${(created.json() as { id: string }).id}`, payload: { metric: teamMetric.key } }),
      'require_central_metrics',
    );
  });

  it('off: team metrics back tracked metrics and hypotheses', async () => {
    const it1 = await planned();
    const teamMetric = await createMetric(t, { team: (await createTeam(t)).key });
    expect((await post(`/v1/iterations/${it1.id}/metrics`, { metric: teamMetric.key })).statusCode).toBe(201);
    expect((await post(`/v1/iterations/${it1.id}/hypotheses`, hypothesis(teamMetric.key))).statusCode).toBe(201);
  });
});

describe('require_hypothesis_to_start', () => {
  it('on: starting without a hypothesis is refused and the iteration stays planned; with one it starts', async () => {
    const it1 = await planned();
    await putPolicy(t, { require_hypothesis_to_start: true });
    const p = await expectRefused(() => post(`/v1/iterations/${it1.id}/start`), 'require_hypothesis_to_start');
    expect(p.detail).toContain(`/v1/iterations/${it1.id}/hypotheses`);
    expect(await status(it1.id)).toBe('planned');

    expect((await post(`/v1/iterations/${it1.id}/hypotheses`, hypothesis((await createMetric(t)).key))).statusCode).toBe(201);
    expect((await transitionIteration(t, it1.id, 'start')).status).toBe('under_construction');
  });

  it('off: an iteration starts without hypotheses', async () => {
    expect((await transitionIteration(t, (await planned()).id, 'start')).status).toBe('under_construction');
  });
});

describe('require_baseline_to_start', () => {
  it('on: starting needs a tracked metric, each with baseline and target', async () => {
    const it1 = await planned();
    const metric = await createMetric(t);
    await putPolicy(t, { require_baseline_to_start: true });
    await expectRefused(() => post(`/v1/iterations/${it1.id}/start`), 'require_baseline_to_start');

    expect((await post(`/v1/iterations/${it1.id}/metrics`, { metric: metric.key, baseline: 10 })).statusCode).toBe(201);
    const p = await expectRefused(() => post(`/v1/iterations/${it1.id}/start`), 'require_baseline_to_start');
    expect(p.detail).toContain(metric.key);
    expect(await status(it1.id)).toBe('planned');

    const patched = await t.call({ method: 'PATCH', url: `/v1/iterations/${it1.id}/metrics/${metric.key}`, payload: { target: 20 } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await transitionIteration(t, it1.id, 'start')).status).toBe('under_construction');
  });

  it('off: an iteration starts without tracked metrics', async () => {
    expect((await transitionIteration(t, (await planned()).id, 'start')).status).toBe('under_construction');
  });
});

describe('require_retrospective_to_close', () => {
  const inReview = async () => {
    const it1 = await planned();
    await transitionIteration(t, it1.id, 'start');
    await transitionIteration(t, it1.id, 'review');
    return it1;
  };
  const close = (id: string) => post(`/v1/iterations/${id}/close`, { decision: 'persevere' });

  it('on: closing needs a retrospective with at least one learning', async () => {
    const it1 = await inReview();
    await putPolicy(t, { require_retrospective_to_close: true });
    const p = await expectRefused(() => close(it1.id), 'require_retrospective_to_close');
    expect(p.detail).toContain(`/v1/iterations/${it1.id}/retrospective`);

    const { etag } = await putRetrospective(t, it1.id, { went_well: ['Fast pilot'] });
    await expectRefused(() => close(it1.id), 'require_retrospective_to_close');
    expect(await status(it1.id)).toBe('in_review');

    await putRetrospective(t, it1.id, { learnings: [{ observed: 'AEs ignored scores', learned: 'Score accounts' }] }, { ifMatch: etag });
    const closed = await close(it1.id);
    expect(closed.statusCode, closed.body).toBe(200);
    expect(IterationSchema.parse(closed.json()).status).toBe('closed');
  });

  it('off: an iteration closes without a retrospective', async () => {
    const it1 = await inReview();
    expect((await close(it1.id)).statusCode).toBe(200);
  });
});

describe('max_timebox_days', () => {
  const box = (days: number, start = '2026-02-02T00:00:00.000Z') => ({
    planned_start: start,
    planned_end: new Date(Date.parse(start) + days * 86_400_000).toISOString(),
  });

  it('on: a longer time box is refused on create and update, and starting needs one', async () => {
    const ini = await createInitiative(t);
    const loose = await planned();
    await putPolicy(t, { max_timebox_days: 14 });

    const p = await expectRefused(() => post(`/v1/initiatives/${ini.key}/iterations`, box(14.5)), 'max_timebox_days');
    expect(p.detail).toContain('14 days');
    expect(p.detail).toContain('2026-02-16T00:00:00.000Z');
    const fits = await createIteration(t, ini.key, box(14));
    await expectRefused(() => t.call({ method: 'PATCH', url: `/v1/iterations/${fits.id}`, payload: { planned_end: '2026-03-01T00:00:00Z' } }), 'max_timebox_days');
    // Editing something else leaves the time box alone and is not refused.
    expect((await t.call({ method: 'PATCH', url: `/v1/iterations/${fits.id}`, payload: { goal: 'Sharper' } })).statusCode).toBe(200);

    await expectRefused(() => post(`/v1/iterations/${loose.id}/start`), 'max_timebox_days');
    expect(await status(loose.id)).toBe('planned');
    expect((await t.call({ method: 'PATCH', url: `/v1/iterations/${loose.id}`, payload: box(7) })).statusCode).toBe(200);
    expect((await transitionIteration(t, loose.id, 'start')).status).toBe('under_construction');
    await expectRefused(() => t.call({ method: 'PATCH', url: `/v1/iterations/${loose.id}`, payload: { planned_end: null } }), 'max_timebox_days');
    expect((await transitionIteration(t, fits.id, 'abandon')).status).toBe('abandoned');
  });

  it('off: any time box, or none, is accepted and starts', async () => {
    const it1 = await planned(box(120));
    expect((await transitionIteration(t, it1.id, 'start')).status).toBe('under_construction');
    expect((await transitionIteration(t, (await planned()).id, 'start')).status).toBe('under_construction');
  });
});

describe('required_initiative_attributes', () => {
  const create = (payload: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/initiatives', payload });
  const base = async (key: string) => ({ key, title: 'Scored leads', team: (await createTeam(t)).key });

  it('on: create and update must carry each required key with a value', async () => {
    const old = await createInitiative(t);
    const older = await createInitiative(t);
    await putPolicy(t, { required_initiative_attributes: ['region', 'segment'] });

    const missing = { ...(await base('attr-missing')), attributes: { region: 'emea' } };
    const p = await expectRefused(() => create(missing), 'required_initiative_attributes');
    expect(p.detail).toContain('missing: segment');
    const nulled = { ...(await base('attr-null')), attributes: { region: 'emea', segment: null } };
    await expectRefused(() => create(nulled), 'required_initiative_attributes');
    const ok = await create({ ...(await base('attr-ok')), attributes: { region: 'emea', segment: 'smb', extra: true } });
    expect(ok.statusCode, ok.body).toBe(201);

    const patch = (ref: string, payload: Record<string, unknown>) => t.call({ method: 'PATCH', url: `/v1/initiatives/${ref}`, payload });
    await expectRefused(() => patch('attr-ok', { attributes: { region: 'emea' } }), 'required_initiative_attributes');
    expect((await patch('attr-ok', { title: 'Renamed' })).statusCode).toBe(200);
    // An initiative from before the rule takes no change until it complies, but may be archived.
    await expectRefused(() => patch(old.key, { title: 'Renamed' }), 'required_initiative_attributes');
    expect((await patch(old.key, { title: 'Renamed', attributes: { region: 'us', segment: 'ent' } })).statusCode).toBe(200);
    expect((await t.call({ method: 'DELETE', url: `/v1/initiatives/${older.key}` })).statusCode).toBe(204);
  });

  it('off: initiatives carry whatever attributes their team likes', async () => {
    expect((await create({ ...(await base('attr-free')), attributes: {} })).statusCode).toBe(201);
  });
});
