import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeasurementPage, MeasurementSchema } from '../../../src/modules/measurements/measurements.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey, createMetric, createStartedIteration } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const record = async (payload: Record<string, unknown>) => {
  const res = await t.call({ method: 'POST', url: '/v1/measurements', payload });
  expect(res.statusCode, res.body).toBe(201);
  return MeasurementSchema.parse(res.json());
};
const rollup = (iterationId: string) =>
  t.db.$client.prepare('SELECT count, sum, min, max, latest_value AS latest FROM measurement_rollups WHERE iteration_id = ?').get(iterationId);
const list = async (query: string) => MeasurementPage.parse((await t.call({ method: 'GET', url: `/v1/measurements?${query}` })).json());

describe('corrections keep history', () => {
  it('a void takes the row out of every rollup, keeps it readable with its reason, and cannot be repeated', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    const metric = await createMetric(t, { aggregation: 'max' });
    await record({ metric: metric.key, initiative: initiative.key, value: 10, observed_at: '2026-01-05T09:00:00Z' });
    const wrong = await record({ metric: metric.key, initiative: initiative.key, value: 99, observed_at: '2026-01-05T09:00:00Z' });
    expect(rollup(iteration.id)).toEqual({ count: 2, sum: 109, min: 10, max: 99, latest: 99 });

    const res = await t.call({ method: 'POST', url: `/v1/measurements/${wrong.id}/void`, payload: { reason: 'typo' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(MeasurementSchema.parse(res.json())).toMatchObject({ id: wrong.id, void_reason: 'typo', voided_at: t.clock.now().toISOString() });
    expect(rollup(iteration.id)).toEqual({ count: 1, sum: 10, min: 10, max: 10, latest: 10 });
    expectProblem(await t.call({ method: 'POST', url: `/v1/measurements/${wrong.id}/void`, payload: { reason: 'again' } }), 409, 'conflict');
    expectProblem(await t.call({ method: 'POST', url: `/v1/measurements/${wrong.id}/void`, payload: {} }), 400, 'validation_failed');

    expect((await list(`iteration=${iteration.id}`)).data.map((m) => m.id)).not.toContain(wrong.id);
    expect((await list(`iteration=${iteration.id}&include_voided=true`)).data.map((m) => m.id)).toContain(wrong.id);
    const activity = t.db.$client.prepare("SELECT count(*) AS n FROM activity WHERE action = 'measurement.voided' AND entity_id = ?").get(wrong.id);
    expect(activity).toEqual({ n: 1 });
  });

  it('a superseding row replaces the old one in every computation; the old one names its successor', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    const metric = await createMetric(t, { aggregation: 'latest' });
    const old = await record({ metric: metric.key, initiative: initiative.key, value: 5 });
    const fix = await record({ metric: metric.key, initiative: initiative.key, value: 6, supersedes: old.id });
    expect(fix.supersedes).toBe(old.id);
    expect(MeasurementSchema.parse((await t.call({ method: 'GET', url: `/v1/measurements/${old.id}` })).json()).superseded_by).toBe(fix.id);
    expect(rollup(iteration.id)).toEqual({ count: 1, sum: 6, min: 6, max: 6, latest: 6 });

    const twice = expectProblem(await t.call({ method: 'POST', url: '/v1/measurements', payload: { metric: metric.key, initiative: initiative.key, value: 7, supersedes: old.id } }), 422, 'invalid_rows');
    expect(twice.errors?.[0]).toMatchObject({ path: 'body.supersedes', rule: 'already_corrected' });
    const other = await createMetric(t);
    const crossed = expectProblem(await t.call({ method: 'POST', url: '/v1/measurements', payload: { metric: other.key, initiative: initiative.key, value: 7, supersedes: fix.id } }), 422, 'invalid_rows');
    expect(crossed.errors?.[0]?.rule).toBe('different_metric');
    expectProblem(await t.call({ method: 'POST', url: `/v1/measurements/${old.id}/void`, payload: { reason: 'x' } }), 409, 'conflict');
  });

  it('the ledger itself refuses edits and deletes', () => {
    const db = t.db.$client;
    expect(() => db.prepare('DELETE FROM measurements').run()).toThrow(/append-only/);
    expect(() => db.prepare('UPDATE measurements SET value = 0').run()).toThrow(/append-only/);
  });

  it('filters by metric, initiative, team, source and observed_at; voids need a writer of the team', async () => {
    const { team, initiative } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const a = await record({ metric: metric.key, initiative: initiative.key, value: 1, source: 'crm', observed_at: '2026-01-05T09:00:00Z' });
    const b = await record({ metric: metric.key, initiative: initiative.key, value: 2, source: 'sheet', observed_at: '2026-01-05T09:01:00Z' });
    expect((await list(`metric=${metric.key}`)).data.map((m) => m.id)).toEqual([b.id, a.id]);
    expect((await list(`team=${team.key}&source=crm`)).data.map((m) => m.id)).toEqual([a.id]);
    expect((await list(`initiative=${initiative.key}&from=2026-01-05T09:00:30Z`)).data.map((m) => m.id)).toEqual([b.id]);
    expect((await list(`metric=${metric.key}&to=2026-01-05T09:00:30Z`)).data.map((m) => m.id)).toEqual([a.id]);
    const page = await t.call({ method: 'GET', url: `/v1/measurements?metric=${metric.key}&limit=1` });
    expect(String(page.headers.link)).toContain('rel="next"');
    expectProblem(await t.call({ method: 'GET', url: '/v1/measurements?metric=nope' }), 404, 'not_found');
    expectProblem(await t.call({ method: 'GET', url: '/v1/measurements?colour=red' }), 400, 'validation_failed');

    const outsider = await createKey(t, 'editor', [(await createStartedIteration(t)).team.key]);
    expectProblem(await t.call({ method: 'POST', url: `/v1/measurements/${a.id}/void`, payload: { reason: 'x' }, key: outsider.secret }), 403, 'forbidden');
  });
});
