import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createIteration, createKey, createMetric, createStartedIteration, createTeam, transitionIteration } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { TrackedMetricPage, TrackedMetricSchema } from '../../../src/modules/tracked-metrics/tracked-metrics.schemas';
import { getTracked, listTracked, measure, track } from './tracked-metrics.helpers';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const activity = async (entityId: string) =>
  (await t.call({ method: 'GET', url: `/v1/activity?entity_id=${entityId}` })).json().data as Array<{ action: string; before: unknown; after: unknown }>;

describe('tracking a metric', () => {
  it('answers 201 with Location and ETag, and the same representation on GET', async () => {
    const { iteration } = await createStartedIteration(t);
    const metric = await createMetric(t, { unit: 'ratio', aggregation: 'latest' });
    const res = await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/metrics`, payload: { metric: metric.key, baseline: 0.18, target: 0.25 } });
    expect(res.statusCode, res.body).toBe(201);
    const body = TrackedMetricSchema.parse(res.json());
    expect(res.headers.location).toBe(`/v1/iterations/${iteration.id}/metrics/${metric.key}`);
    expect(res.headers.etag).toMatch(/^"v1-/);
    expect(body).toEqual({
      id: expect.stringMatching(/^tmt_/),
      iteration_id: iteration.id,
      metric: {
        key: metric.key,
        name: metric.name,
        unit: 'ratio',
        currency_code: null,
        direction: 'increase',
        aggregation: 'latest',
        definition_version: 1,
      },
      baseline: 0.18,
      target: 0.25,
      current: null,
      measurements_count: 0,
      last_observed_at: null,
      progress: null,
      health: 'no_data',
      carried_from: null,
      version: 1,
      created_at: t.clock.now().toISOString(),
      updated_at: t.clock.now().toISOString(),
    });
    const read = await t.call({ method: 'GET', url: res.headers.location as string });
    expect(read.json()).toEqual(body);
    expect(read.headers.etag).toBe(res.headers.etag);
    const notModified = await t.call({ method: 'GET', url: res.headers.location as string, headers: { 'if-none-match': res.headers.etag as string } });
    expect(notModified.statusCode).toBe(304);

    const log = await activity(body.id);
    expect(log).toEqual([
      expect.objectContaining({ action: 'tracked_metric.created', before: null, after: { iteration_id: iteration.id, metric: metric.key, baseline: 0.18, target: 0.25 } }),
    ]);
  });

  it('takes baseline and target as optional, and refuses non-numbers and unknown fields', async () => {
    const { iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const bare = await track(t, iteration.id, { metric: metric.key });
    expect(bare).toMatchObject({ baseline: null, target: null, progress: null });
    const other = await createMetric(t);
    const explicitNull = await track(t, iteration.id, { metric: other.key, baseline: null, target: 5 });
    expect(explicitNull).toMatchObject({ baseline: null, target: 5 });

    const third = await createMetric(t);
    for (const payload of [{ metric: third.key, baseline: '0.1' }, { metric: third.key, target: true }, { metric: third.key, owner: 'x' }, {}]) {
      expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/metrics`, payload }), 400, 'validation_failed');
    }
  });

  it('tracks a metric at most once per iteration (409), and names an unknown metric (404)', async () => {
    const { iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    await track(t, iteration.id, { metric: metric.key, target: 10 });
    const dup = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/metrics`, payload: { metric: metric.key } }), 409, 'conflict');
    expect(dup.detail).toContain(metric.key);

    const unknown = expectProblem(await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/metrics`, payload: { metric: 'no_such_metric' } }), 404, 'not_found');
    expect(unknown.detail).toContain('no_such_metric');
    expectProblem(await t.call({ method: 'POST', url: '/v1/iterations/itr_nope/metrics', payload: { metric: metric.key } }), 404, 'not_found');
    expect(await listTracked(t, iteration.id)).toHaveLength(1);
  });

  it('the same metric may be tracked by several iterations', async () => {
    const metric = await createMetric(t);
    const a = await createStartedIteration(t);
    const b = await createStartedIteration(t);
    await track(t, a.iteration.id, { metric: metric.key, target: 1 });
    await track(t, b.iteration.id, { metric: metric.key, target: 2 });
    expect((await getTracked(t, b.iteration.id, metric.key)).target).toBe(2);
  });
});

describe('reading', () => {
  it('lists in the order added, paginated with a Link header; 404 for an unknown iteration or metric key', async () => {
    const { iteration, initiative } = await createStartedIteration(t);
    const metrics = [await createMetric(t), await createMetric(t), await createMetric(t)];
    for (const m of metrics) await track(t, iteration.id, { metric: m.key, baseline: 0, target: 10 });
    measure(t, { metric: metrics[1]!, iteration: { id: iteration.id, initiative } }, 4);

    const all = await listTracked(t, iteration.id);
    expect(all.map((x) => x.metric.key)).toEqual(metrics.map((m) => m.key));
    expect(all.map((x) => x.current)).toEqual([null, 4, null]);

    const first = await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/metrics?limit=2` });
    const page = TrackedMetricPage.parse(first.json());
    expect(page.data).toHaveLength(2);
    expect(first.headers.link).toContain('rel="next"');
    const second = TrackedMetricPage.parse((await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/metrics?limit=2&cursor=${page.next_cursor}` })).json());
    expect(second).toEqual({ data: [all[2]], next_cursor: null });

    expectProblem(await t.call({ method: 'GET', url: '/v1/iterations/itr_nope/metrics' }), 404, 'not_found');
    const missing = expectProblem(await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/metrics/not_tracked` }), 404, 'not_found');
    expect(missing.detail).toContain('not_tracked');
  });

  it('any key reads', async () => {
    const { iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    await track(t, iteration.id, { metric: metric.key });
    const viewer = await createKey(t, 'viewer');
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/metrics`, key: viewer.secret })).statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}/metrics/${metric.key}`, key: viewer.secret })).statusCode).toBe(200);
  });
});

describe('changing and untracking', () => {
  it('PATCH changes baseline or target, honours If-Match and logs the change', async () => {
    const { iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const created = await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/metrics`, payload: { metric: metric.key, baseline: 1, target: 2 } });
    const etag = created.headers.etag as string;
    const url = `/v1/iterations/${iteration.id}/metrics/${metric.key}`;

    t.clock.advanceDays(1);
    const res = await t.call({ method: 'PATCH', url, payload: { target: 3 }, headers: { 'if-match': etag } });
    expect(res.statusCode, res.body).toBe(200);
    expect(TrackedMetricSchema.parse(res.json())).toMatchObject({ baseline: 1, target: 3, version: 2, updated_at: t.clock.now().toISOString() });
    expect(res.headers.etag).toMatch(/^"v2-/);

    expectProblem(await t.call({ method: 'PATCH', url, payload: { target: 4 }, headers: { 'if-match': etag } }), 412, 'precondition_failed');
    const cleared = await t.call({ method: 'PATCH', url, payload: { baseline: null } });
    expect(cleared.json()).toMatchObject({ baseline: null, target: 3, version: 3 });
    // Nothing changes: same version, nothing logged.
    const same = await t.call({ method: 'PATCH', url, payload: { target: 3 } });
    expect(same.json()).toMatchObject({ version: 3 });

    const log = await activity(created.json().id);
    expect(log.map((a) => a.action)).toEqual(['tracked_metric.updated', 'tracked_metric.updated', 'tracked_metric.created']);
    expect(log[1]).toMatchObject({ before: { target: 2 }, after: { target: 3 } });
  });

  it('DELETE untracks (204), honours If-Match, and the metric can be tracked again', async () => {
    const { iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const created = await track(t, iteration.id, { metric: metric.key, target: 5 });
    const url = `/v1/iterations/${iteration.id}/metrics/${metric.key}`;
    expectProblem(await t.call({ method: 'DELETE', url, headers: { 'if-match': '"v9-x"' } }), 412, 'precondition_failed');
    const res = await t.call({ method: 'DELETE', url, headers: { 'if-match': `"v1-whatever"` } });
    expect(res.statusCode, res.body).toBe(204);
    expectProblem(await t.call({ method: 'GET', url }), 404, 'not_found');
    expectProblem(await t.call({ method: 'DELETE', url }), 404, 'not_found');
    expect((await activity(created.id))[0]).toMatchObject({ action: 'tracked_metric.deleted', after: null, before: { metric: metric.key, target: 5 } });
    await track(t, iteration.id, { metric: metric.key });
  });
});

describe('the window for baselines and targets', () => {
  it('is open while planned or under_construction', async () => {
    const { initiative } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const planned = await createIteration(t, initiative.key, { carry_over: false });
    await track(t, planned.id, { metric: metric.key, target: 1 });
    const res = await t.call({ method: 'PATCH', url: `/v1/iterations/${planned.id}/metrics/${metric.key}`, payload: { target: 2 } });
    expect(res.statusCode, res.body).toBe(200);
  });

  it('is 409 frozen in review, after close and after abandon, for every write; reads go on', async () => {
    const metric = await createMetric(t);
    const other = await createMetric(t);
    const { iteration } = await createStartedIteration(t);
    await track(t, iteration.id, { metric: metric.key, baseline: 0, target: 1 });
    const url = `/v1/iterations/${iteration.id}/metrics`;
    const refusals = async (status: string) => {
      for (const req of [
        { method: 'POST' as const, url, payload: { metric: other.key } },
        { method: 'PATCH' as const, url: `${url}/${metric.key}`, payload: { target: 2 } },
        { method: 'DELETE' as const, url: `${url}/${metric.key}` },
      ]) {
        const p = expectProblem(await t.call(req), 409, 'frozen');
        expect(p.current_status).toBe(status);
      }
      expect((await getTracked(t, iteration.id, metric.key)).target).toBe(1);
    };
    await transitionIteration(t, iteration.id, 'review');
    await refusals('in_review');
    await transitionIteration(t, iteration.id, 'close', { decision: 'persevere' });
    await refusals('closed');

    const abandoned = await createStartedIteration(t);
    await track(t, abandoned.iteration.id, { metric: metric.key });
    await transitionIteration(t, abandoned.iteration.id, 'abandon');
    expectProblem(
      await t.call({ method: 'PATCH', url: `/v1/iterations/${abandoned.iteration.id}/metrics/${metric.key}`, payload: { target: 2 } }),
      409,
      'frozen',
    );
  });
});

describe('who may write', () => {
  it("editors of the initiative's team and admins write; other editors and viewers get 403 and change nothing", async () => {
    const { team, iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const mine = await createKey(t, 'editor', [team.key]);
    const theirs = await createKey(t, 'editor', [(await createTeam(t)).key]);
    const viewer = await createKey(t, 'viewer');
    const url = `/v1/iterations/${iteration.id}/metrics`;

    for (const key of [theirs.secret, viewer.secret]) {
      expectProblem(await t.call({ method: 'POST', url, payload: { metric: metric.key }, key }), 403, 'forbidden');
    }
    await track(t, iteration.id, { metric: metric.key, target: 1 }, mine.secret);
    for (const key of [theirs.secret, viewer.secret]) {
      expectProblem(await t.call({ method: 'PATCH', url: `${url}/${metric.key}`, payload: { target: 9 }, key }), 403, 'forbidden');
      expectProblem(await t.call({ method: 'DELETE', url: `${url}/${metric.key}`, key }), 403, 'forbidden');
    }
    const patched = await t.call({ method: 'PATCH', url: `${url}/${metric.key}`, payload: { target: 2 }, key: mine.secret });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await t.call({ method: 'DELETE', url: `${url}/${metric.key}`, key: mine.secret })).statusCode).toBe(204);
  });
});
