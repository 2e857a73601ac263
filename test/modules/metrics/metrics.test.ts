import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/http/problems';
import { MetricDefinitionPage, MetricPage, MetricSchema, type Metric } from '../../../src/modules/metrics/metrics.schemas';
import { resolveMetric } from '../../../src/modules/metrics/metrics.service';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey, createMetric, createStartedIteration, createTeam, uniqueKey } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const get = (ref: string, headers: Record<string, string> = {}) => t.call({ method: 'GET', url: `/v1/metrics/${ref}`, headers });
const patch = (ref: string, payload: Record<string, unknown>, key?: string, headers: Record<string, string> = {}) =>
  t.call({ method: 'PATCH', url: `/v1/metrics/${ref}`, payload, key, headers });
const create = (payload: Record<string, unknown>, key?: string) => t.call({ method: 'POST', url: '/v1/metrics', payload, key });
const definitions = async (ref: string) =>
  MetricDefinitionPage.parse((await t.call({ method: 'GET', url: `/v1/metrics/${ref}/definitions` })).json()).data;
const lastActivity = async (action: string) =>
  (await t.call({ method: 'GET', url: `/v1/activity?action=${action}&limit=1` })).json().data[0];

/** Logs a measurement straight into the ledger (no route writes it yet). */
let fixture: Awaited<ReturnType<typeof createStartedIteration>> | undefined;
async function logMeasurement(metric: Metric, value = 1): Promise<void> {
  fixture ??= await createStartedIteration(t);
  t.db.$client
    .prepare(
      `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, recorded_by_key_id, recorded_by_name)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'key_test', 'test')`,
    )
    .run(uniqueKey('mea'), metric.id, metric.definition_version, fixture.iteration.id, fixture.initiative.id, value, t.clock.now().toISOString(), t.clock.now().toISOString());
}

describe('creating and reading metrics', () => {
  it('creates a central metric with Location and ETag; GET by key or id answers it, 304 on If-None-Match', async () => {
    const res = await create({
      key: 'win_rate',
      name: 'Win rate',
      description: 'Closed-won over closed',
      unit: 'ratio',
      direction: 'increase',
      aggregation: 'latest',
    });
    expect(res.statusCode, res.body).toBe(201);
    const metric = MetricSchema.parse(res.json());
    expect(metric).toMatchObject({
      key: 'win_rate',
      scope: 'central',
      team: null,
      currency_code: null,
      definition_version: 1,
      version: 1,
      created_at: t.clock.now().toISOString(),
    });
    expect(res.headers.location).toBe('/v1/metrics/win_rate');
    expect(res.headers.etag).toMatch(/^"v1-/);

    const byKey = await get('win_rate');
    expect(byKey.statusCode).toBe(200);
    expect(byKey.json()).toEqual(metric);
    expect(byKey.headers.etag).toBe(res.headers.etag);
    expect((await get(metric.id)).json()).toEqual(metric);
    const cached = await get('win_rate', { 'if-none-match': String(res.headers.etag) });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');

    expect(await lastActivity('metric.created')).toMatchObject({ entity_type: 'metric', entity_id: metric.id, before: null, after: { key: 'win_rate' } });
    expect(await definitions('win_rate')).toEqual([
      { definition_version: 1, unit: 'ratio', currency_code: null, direction: 'increase', aggregation: 'latest', created_at: metric.created_at, current: true },
    ]);
  });

  it('a taken key is 409, a malformed one 400; an unknown metric is 404 naming it', async () => {
    const m = await createMetric(t);
    expectProblem(await create({ key: m.key, name: 'Again', unit: 'count', direction: 'increase', aggregation: 'sum' }), 409, 'conflict');
    const bad = expectProblem(await create({ key: 'Win Rate', name: '', unit: 'euros', direction: 'up', aggregation: 'median' }), 400, 'validation_failed');
    expect(errorPaths(bad).sort()).toEqual(['body.aggregation', 'body.direction', 'body.key', 'body.name', 'body.unit']);
    expectProblem(await create({ key: uniqueKey('m'), name: 'x', unit: 'count', direction: 'increase', aggregation: 'sum', colour: 'red' }), 400, 'validation_failed');
    const missing = expectProblem(await get('no_such_metric'), 404, 'not_found');
    expect(missing.detail).toBe("No metric matches 'no_such_metric'.");
  });

  it('resolveMetric finds a metric by key for other modules, or throws a 404 problem', async () => {
    const m = await createMetric(t);
    expect(resolveMetric({ db: t.db }, m.key)).toMatchObject({ id: m.id, key: m.key, definitionVersion: 1 });
    expect(() => resolveMetric({ db: t.db }, 'nope_metric')).toThrowError(
      expect.objectContaining({ code: 'not_found', detail: "No metric matches 'nope_metric'." }) as ApiError,
    );
  });
});

describe('currency codes', () => {
  const base = () => ({ key: uniqueKey('rev'), name: 'Revenue', direction: 'increase', aggregation: 'sum' });

  it('are required for unit currency, refused otherwise, and must be ISO 4217', async () => {
    const required = expectProblem(await create({ ...base(), unit: 'currency' }), 400, 'validation_failed');
    expect(errorPaths(required)).toEqual(['body.currency_code']);
    const refused = expectProblem(await create({ ...base(), unit: 'count', currency_code: 'EUR' }), 400, 'validation_failed');
    expect(errorPaths(refused)).toEqual(['body.currency_code']);
    for (const code of ['eur', 'EURO', 'ABC']) {
      const bad = expectProblem(await create({ ...base(), unit: 'currency', currency_code: code }), 400, 'validation_failed');
      expect(errorPaths(bad), code).toEqual(['body.currency_code']);
    }
    const ok = await createMetric(t, { unit: 'currency', currency_code: 'EUR' });
    expect(ok).toMatchObject({ unit: 'currency', currency_code: 'EUR' });
  });

  it('follow the unit on PATCH: leaving currency drops the code, entering it needs one', async () => {
    const m = await createMetric(t, { unit: 'currency', currency_code: 'USD' });
    expect((await patch(m.key, { currency_code: 'GBP' })).json()).toMatchObject({ currency_code: 'GBP' });
    expect(errorPaths(expectProblem(await patch(m.key, { currency_code: 'ZZZ' }), 400, 'validation_failed'))).toEqual(['body.currency_code']);
    expectProblem(await patch(m.key, { currency_code: null }), 400, 'validation_failed');
    expectProblem(await patch(m.key, { unit: 'count', currency_code: 'GBP' }), 400, 'validation_failed');
    expect((await patch(m.key, { unit: 'count' })).json()).toMatchObject({ unit: 'count', currency_code: null });
    expect(errorPaths(expectProblem(await patch(m.key, { unit: 'currency' }), 400, 'validation_failed'))).toEqual(['body.currency_code']);
    expect((await patch(m.key, { unit: 'currency', currency_code: 'JPY' })).json()).toMatchObject({ unit: 'currency', currency_code: 'JPY' });
  });
});

describe('scope and team', () => {
  it('a named team makes a team metric; central refuses a team and team scope needs one', async () => {
    const team = await createTeam(t);
    const m = await createMetric(t, { team: team.key });
    expect(m).toMatchObject({ scope: 'team', team: { id: team.id, key: team.key } });
    expect(await createMetric(t, { scope: 'team', team: team.id })).toMatchObject({ team: { id: team.id, key: team.key } });
    const body = { key: uniqueKey('m'), name: 'x', unit: 'count', direction: 'increase', aggregation: 'sum' };
    expect(errorPaths(expectProblem(await create({ ...body, scope: 'central', team: team.key }), 400, 'validation_failed'))).toEqual(['body.team']);
    expect(errorPaths(expectProblem(await create({ ...body, scope: 'team' }), 400, 'validation_failed'))).toEqual(['body.team']);
    expectProblem(await create({ ...body, team: 'no-such-team' }), 404, 'not_found');
  });
});

describe('who may write', () => {
  it('admins write central metrics; editors only their own teams; viewers never', async () => {
    const a = await createTeam(t);
    const b = await createTeam(t);
    const editorA = (await createKey(t, 'editor', [a.key])).secret;
    const viewer = (await createKey(t, 'viewer')).secret;
    const body = () => ({ key: uniqueKey('m'), name: 'x', unit: 'count', direction: 'increase', aggregation: 'sum' });

    const mine = await createMetric(t, { team: a.key }, editorA);
    expect(mine.team?.id).toBe(a.id);
    expectProblem(await create({ ...body(), team: b.key }, editorA), 403, 'forbidden');
    expectProblem(await create(body(), editorA), 403, 'forbidden');
    expectProblem(await create({ ...body(), team: a.key }, viewer), 403, 'forbidden');

    const central = await createMetric(t);
    const theirs = await createMetric(t, { team: b.key });
    expect((await patch(mine.key, { name: 'Mine' }, editorA)).statusCode).toBe(200);
    expectProblem(await patch(central.key, { name: 'No' }, editorA), 403, 'forbidden');
    expectProblem(await patch(theirs.key, { name: 'No' }, editorA), 403, 'forbidden');
    expectProblem(await patch(mine.key, { name: 'No' }, viewer), 403, 'forbidden');
    expect((await patch(theirs.key, { name: 'Admin may' })).statusCode).toBe(200);
    expectProblem(await t.call({ method: 'POST', url: `/v1/metrics/${mine.key}/promote`, key: editorA }), 403, 'forbidden');
    // Anyone reads across teams.
    expect((await get(theirs.key, { authorization: `Bearer ${viewer}` })).statusCode).toBe(200);
  });
});

describe('listing', () => {
  it('filters by scope, team (key or id), unit and text, and pages with a Link header', async () => {
    const other = await makeApp();
    try {
      const team = await createTeam(other);
      const central = await createMetric(other, { key: 'pipeline_value', unit: 'currency', currency_code: 'EUR', description: 'Open pipeline' });
      const days = await createMetric(other, { key: 'cycle-time', name: 'Sales cycle', unit: 'days', team: team.key });
      const count = await createMetric(other, { key: 'demos_booked', unit: 'count', team: team.key, description: 'Booked 100% by SDRs' });
      const list = async (query: string) => {
        const res = await other.call({ method: 'GET', url: `/v1/metrics${query}` });
        expect(res.statusCode, res.body).toBe(200);
        return MetricPage.parse(res.json()).data.map((m) => m.key);
      };
      expect(await list('')).toEqual([central.key, days.key, count.key]);
      expect(await list('?scope=central')).toEqual([central.key]);
      expect(await list('?scope=team')).toEqual([days.key, count.key]);
      expect(await list(`?team=${team.key}`)).toEqual([days.key, count.key]);
      expect(await list(`?team=${team.id}&unit=days`)).toEqual([days.key]);
      expect(await list('?unit=currency')).toEqual([central.key]);
      expect(await list('?q=CYCLE')).toEqual([days.key]); // name, case-insensitive
      expect(await list('?q=open%20pipe')).toEqual([central.key]); // description
      expect(await list('?q=_booked')).toEqual([count.key]); // key; _ is literal
      expect(await list('?q=100%25')).toEqual([count.key]); // % is literal
      expect(await list('?q=zzz')).toEqual([]);

      const first = await other.call({ method: 'GET', url: '/v1/metrics?limit=2' });
      const page = MetricPage.parse(first.json());
      expect(page.data.map((m) => m.key)).toEqual([central.key, days.key]);
      expect(first.headers.link).toBe(`</v1/metrics?limit=2&cursor=${page.next_cursor}>; rel="next"`);
      const second = MetricPage.parse((await other.call({ method: 'GET', url: `/v1/metrics?limit=2&cursor=${page.next_cursor}` })).json());
      expect(second).toEqual({ data: [MetricSchema.parse(count)], next_cursor: null });

      expectProblem(await other.call({ method: 'GET', url: '/v1/metrics?team=nobody' }), 404, 'not_found');
      const bad = expectProblem(await other.call({ method: 'GET', url: '/v1/metrics?units=days&scope=global' }), 400, 'validation_failed');
      expect(errorPaths(bad).sort()).toEqual(['query.scope', 'query.units']);
      expectProblem(await other.call({ method: 'GET', url: '/v1/metrics?cursor=bogus' }), 400, 'validation_failed');
    } finally {
      await other.close();
    }
  });
});

describe('updating', () => {
  it('changes fields, bumps version, honours If-Match (412 when stale), and logs before/after', async () => {
    const m = await createMetric(t);
    const etag = String((await get(m.key)).headers.etag);
    t.clock.advanceDays(1);
    const res = await patch(m.key, { name: 'Renamed', description: 'Now described' }, undefined, { 'if-match': etag });
    expect(res.statusCode, res.body).toBe(200);
    const updated = MetricSchema.parse(res.json());
    expect(updated).toMatchObject({ name: 'Renamed', description: 'Now described', version: 2, definition_version: 1, updated_at: t.clock.now().toISOString() });
    expect(res.headers.etag).toMatch(/^"v2-/);

    const stale = expectProblem(await patch(m.key, { name: 'Lost update' }, undefined, { 'if-match': etag }), 412, 'precondition_failed');
    expect(stale.current_version).toBe(2);
    expect((await get(m.key)).json()).toEqual(updated);

    // Sending what is already there changes nothing.
    expect((await patch(m.key, { name: 'Renamed' })).json()).toEqual(updated);
    expect(await lastActivity('metric.updated')).toMatchObject({
      entity_id: m.id,
      before: { name: m.name, description: '', version: 1 },
      after: { name: 'Renamed', description: 'Now described', version: 2 },
    });
    expectProblem(await patch(m.key, { key: 'new_key' }), 400, 'validation_failed');
    expectProblem(await patch('no_such_metric', { name: 'x' }), 404, 'not_found');
  });
});

describe('definition versions', () => {
  it('without measurements, a definition change corrects the current definition in place', async () => {
    const m = await createMetric(t, { unit: 'count', aggregation: 'sum' });
    const res = await patch(m.key, { unit: 'number', aggregation: 'average', direction: 'decrease' });
    expect(res.json()).toMatchObject({ unit: 'number', aggregation: 'average', direction: 'decrease', definition_version: 1, version: 2 });
    expect(await definitions(m.key)).toEqual([
      { definition_version: 1, unit: 'number', currency_code: null, direction: 'decrease', aggregation: 'average', created_at: m.created_at, current: true },
    ]);
  });

  it('with measurements, a definition change starts a new version; name changes never do', async () => {
    const m = await createMetric(t, { unit: 'count', aggregation: 'sum' });
    await logMeasurement(m);
    expect((await patch(m.key, { name: 'Only a name' })).json()).toMatchObject({ definition_version: 1, version: 2 });

    t.clock.advanceDays(2);
    const res = await patch(m.key, { aggregation: 'latest' });
    expect(res.json()).toMatchObject({ aggregation: 'latest', definition_version: 2, version: 3 });
    expect(await lastActivity('metric.updated')).toMatchObject({
      before: { aggregation: 'sum', definition_version: 1, version: 2 },
      after: { aggregation: 'latest', definition_version: 2, version: 3 },
    });

    t.clock.advanceDays(1);
    const third = MetricSchema.parse((await patch(m.key, { unit: 'currency', currency_code: 'EUR' })).json());
    expect(third.definition_version).toBe(3);
    const defs = await definitions(m.key);
    expect(defs.map((d) => [d.definition_version, d.unit, d.currency_code, d.aggregation, d.current])).toEqual([
      [1, 'count', null, 'sum', false],
      [2, 'count', null, 'latest', false],
      [3, 'currency', 'EUR', 'latest', true],
    ]);
    expect(defs[0]?.created_at).toBe(m.created_at);
    expect(defs[2]?.created_at).toBe(t.clock.now().toISOString());

    const page = await t.call({ method: 'GET', url: `/v1/metrics/${m.key}/definitions?limit=2` });
    const first = MetricDefinitionPage.parse(page.json());
    expect(first.data.map((d) => d.definition_version)).toEqual([1, 2]);
    expect(page.headers.link).toContain('rel="next"');
    const rest = MetricDefinitionPage.parse((await t.call({ method: 'GET', url: `/v1/metrics/${m.key}/definitions?cursor=${first.next_cursor}` })).json());
    expect(rest.data.map((d) => d.definition_version)).toEqual([3]);
    expectProblem(await t.call({ method: 'GET', url: '/v1/metrics/no_such_metric/definitions' }), 404, 'not_found');
  });
});

describe('promotion', () => {
  it('makes a team metric central with the same id, key and history; promoting a central metric is 409', async () => {
    const team = await createTeam(t);
    const m = await createMetric(t, { team: team.key });
    await logMeasurement(m);
    await patch(m.key, { direction: 'decrease' });
    const etag = String((await get(m.key)).headers.etag);

    expectProblem(await t.call({ method: 'POST', url: `/v1/metrics/${m.key}/promote`, headers: { 'if-match': '"v1-stale"' } }), 412, 'precondition_failed');
    const res = await t.call({ method: 'POST', url: `/v1/metrics/${m.key}/promote`, headers: { 'if-match': etag } });
    expect(res.statusCode, res.body).toBe(200);
    expect(MetricSchema.parse(res.json())).toMatchObject({ id: m.id, key: m.key, scope: 'central', team: null, definition_version: 2, version: 3 });
    expect((await definitions(m.key)).length).toBe(2);
    expect(await lastActivity('metric.promoted')).toMatchObject({
      entity_id: m.id,
      before: { scope: 'team', team: { id: team.id, key: team.key } },
      after: { scope: 'central', team: null },
    });

    // The team's editors no longer write it.
    const editor = (await createKey(t, 'editor', [team.key])).secret;
    expectProblem(await patch(m.key, { name: 'x' }, editor), 403, 'forbidden');
    expectProblem(await t.call({ method: 'POST', url: `/v1/metrics/${m.key}/promote` }), 409, 'conflict');
    expectProblem(await t.call({ method: 'POST', url: '/v1/metrics/no_such_metric/promote' }), 404, 'not_found');
  });
});
