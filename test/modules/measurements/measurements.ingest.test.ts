import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchResultSchema, MeasurementSchema } from '../../../src/modules/measurements/measurements.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey, createMetric, createStartedIteration, transitionIteration, createIteration } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const post = (payload: unknown, contentType = 'application/json', key?: string) =>
  t.call({ method: 'POST', url: '/v1/measurements', payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers: { 'content-type': contentType }, key });
const count = () => (t.db.$client.prepare('SELECT count(*) AS n FROM measurements').get() as { n: number }).n;
const rollup = (iterationId: string, metricKey: string) =>
  t.db.$client
    .prepare('SELECT r.count, r.sum, r.min, r.max, r.latest_value AS latest FROM measurement_rollups r JOIN metrics m ON m.id = r.metric_id WHERE r.iteration_id = ? AND m.key = ?')
    .get(iterationId, metricKey);

describe('POST /v1/measurements', () => {
  it('one JSON object lands on the running iteration now, with Location, and is readable', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    const metric = await createMetric(t, { unit: 'ratio', aggregation: 'latest' });
    const res = await post({ metric: metric.key, initiative: initiative.key, value: 0.23, source: 'crm-sync' });
    expect(res.statusCode, res.body).toBe(201);
    const m = MeasurementSchema.parse(res.json());
    expect(m).toMatchObject({ metric: metric.key, iteration_id: iteration.id, value: 0.23, late: false, source: 'crm-sync', observed_at: t.clock.now().toISOString() });
    expect(m.initiative).toEqual({ id: initiative.id, key: initiative.key });
    expect(res.headers.location).toBe(`/v1/measurements/${m.id}`);
    expect((await t.call({ method: 'GET', url: String(res.headers.location) })).json()).toEqual(m);
    expect(rollup(iteration.id, metric.key)).toEqual({ count: 1, sum: 0.23, min: 0.23, max: 0.23, latest: 0.23 });
  });

  it('takes a JSON array, NDJSON and CSV alike, answering {count, data} in input order', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    const a = await createMetric(t);
    const b = await createMetric(t);
    const asJson = await post([
      { metric: a.key, initiative: initiative.key, value: 1 },
      { metric: b.key, iteration: iteration.id, value: 2 },
    ]);
    expect(asJson.statusCode, asJson.body).toBe(201);
    const batch = BatchResultSchema.parse(asJson.json());
    expect(batch.count).toBe(2);
    expect(batch.data.map((d) => [d.metric, d.iteration_id, d.late])).toEqual([
      [a.key, iteration.id, false],
      [b.key, iteration.id, false],
    ]);

    const ndjson = `{"metric":"${a.key}","initiative":"${initiative.key}","value":3}\r\n\n{"metric":"${a.key}","initiative":"${initiative.id}","value":4}\n`;
    const asNdjson = await post(ndjson, 'application/x-ndjson');
    expect(asNdjson.statusCode, asNdjson.body).toBe(201);
    expect(BatchResultSchema.parse(asNdjson.json()).count).toBe(2);

    const csv = `metric,initiative,value,note\r\n${a.key},${initiative.key},5,"says ""hi"", twice"\r\n${a.key},${initiative.key},-1.5e1,\r\n`;
    const asCsv = await post(csv, 'text/csv; charset=utf-8');
    expect(asCsv.statusCode, asCsv.body).toBe(201);
    const ids = BatchResultSchema.parse(asCsv.json()).data.map((d) => d.id);
    const first = MeasurementSchema.parse((await t.call({ method: 'GET', url: `/v1/measurements/${ids[0]}` })).json());
    expect(first.note).toBe('says "hi", twice');
    expect(MeasurementSchema.parse((await t.call({ method: 'GET', url: `/v1/measurements/${ids[1]}` })).json()).value).toBe(-15);
    expect(rollup(iteration.id, a.key)).toEqual({ count: 5, sum: 1 + 3 + 4 + 5 - 15, min: -15, max: 5, latest: -15 });
  });

  it('takes 10,000 rows in one request and refuses 10,001 with a 413', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const rows = Array.from({ length: 10_000 }, (_, i) => `${metric.key},${initiative.key},${i}`).join('\n');
    const res = await post(`metric,initiative,value\n${rows}\n`, 'text/csv');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    expect(BatchResultSchema.parse(res.json()).count).toBe(10_000);
    expect(rollup(iteration.id, metric.key)).toMatchObject({ count: 10_000, sum: (9_999 * 10_000) / 2, latest: 9_999 });
    const before = count();
    expectProblem(await post(`metric,initiative,value\n${rows}\n${metric.key},${initiative.key},1\n`, 'text/csv'), 413, 'payload_too_large');
    expect(count()).toBe(before);
  });

  it('refuses the whole batch when one row is bad, naming each row, field and rule', async () => {
    const { initiative } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const before = count();
    const res = await post([
      { metric: metric.key, initiative: initiative.key, value: 1 },
      { metric: 'no_such_metric', initiative: initiative.key, value: 1 },
      { metric: metric.key, initiative: initiative.key, value: 'seven' },
      { metric: metric.key, initiative: 'no-such-initiative', value: 1 },
      { metric: metric.key, value: 1, colour: 'red' },
    ]);
    const p = expectProblem(res, 422, 'invalid_rows');
    expect(p.errors?.map((e) => [e.path, e.rule])).toEqual([
      ['body[2].value', 'not_a_number'],
      ['body[4].colour', 'unknown_field'],
      ['body[4].initiative', 'required'],
    ]);
    expect(count()).toBe(before);
    // Once the shapes are right, the lookups are checked the same way.
    const looked = expectProblem(
      await post([
        { metric: metric.key, initiative: initiative.key, value: 1 },
        { metric: 'no_such_metric', initiative: initiative.key, value: 1 },
        { metric: metric.key, initiative: 'no-such-initiative', value: 1 },
        { metric: metric.key, iteration: 'itr_nope', value: 1 },
      ]),
      422,
      'invalid_rows',
    );
    expect(looked.errors?.map((e) => [e.path, e.rule])).toEqual([
      ['body[1].metric', 'unknown_metric'],
      ['body[2].initiative', 'unknown_initiative'],
      ['body[3].iteration', 'unknown_iteration'],
    ]);
    expect(count()).toBe(before);
  });

  it('refuses NaN, Infinity, bad CSV and bad NDJSON with a problem naming the row; nothing is written', async () => {
    const { initiative } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const before = count();
    const nan = expectProblem(await post(`metric,initiative,value\n${metric.key},${initiative.key},1\n${metric.key},${initiative.key},NaN\n`, 'text/csv'), 422, 'invalid_rows');
    expect(nan.errors?.map((e) => [e.path, e.rule])).toEqual([['body[1].value', 'not_finite']]);
    const hex = expectProblem(await post(`metric,initiative,value\n${metric.key},${initiative.key},0x10\n`, 'text/csv'), 422, 'invalid_rows');
    expect(hex.errors?.map((e) => e.rule)).toEqual(['not_a_number']);
    expectProblem(await post(`metric,initiative,value\n${metric.key},${initiative.key}\n`, 'text/csv'), 400, 'malformed_request');
    const noHeader = expectProblem(await post(`${metric.key},${initiative.key},1\n`, 'text/csv'), 400, 'malformed_request');
    expect(noHeader.detail).toMatch(/header/);
    const unterminated = expectProblem(await post(`metric,initiative,value\n"${metric.key},${initiative.key},1\n`, 'text/csv'), 400, 'malformed_request');
    expect(unterminated.detail).toMatch(/never closed/);
    const badLine = expectProblem(await post(`{"metric":"${metric.key}","initiative":"${initiative.key}","value":1}\n{"value": NaN}\n`, 'application/x-ndjson'), 400, 'malformed_request');
    expect(badLine.errors?.map((e) => e.path)).toEqual(['body[1]']);
    expectProblem(await post(`{"metric":"${metric.key}","initiative":"${initiative.key}","value":1e999}`), 422, 'invalid_rows');
    expectProblem(await post(Buffer.from([0x6d, 0x65, 0x74, 0x72, 0x69, 0x63, 0x2c, 0x76, 0x61, 0x6c, 0x75, 0x65, 0x0a, 0xff]).toString('latin1'), 'text/csv'), 400, 'malformed_request');
    expectProblem(await post('[]'), 400, 'validation_failed');
    expectProblem(await post('metric,value\n', 'text/plain'), 415, 'unsupported_media_type');
    expect(count()).toBe(before);
  });

  // Found by the fuzzer's extreme numbers: the largest doubles summed to Infinity in the rollups,
  // then +Infinity and -Infinity to NaN, which SQLite stores as NULL: a 500 on the write.
  it('refuses values beyond ±1e15 (422 out_of_range), so that no rollup sum overflows', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    const metric = await createMetric(t, { aggregation: 'sum' });
    const row = (value: number) => ({ metric: metric.key, initiative: initiative.key, value });
    for (const payload of [[row(Number.MAX_VALUE)], [row(1e15), row(-1.5e15)]]) {
      const res = expectProblem(await post(payload), 422, 'invalid_rows');
      expect(res.errors?.at(-1)).toMatchObject({ path: `body[${payload.length - 1}].value`, rule: 'out_of_range', message: 'must be between -1e15 and 1e15' });
    }
    const csv = expectProblem(await post(`metric,initiative,value\n${metric.key},${initiative.key},-1e300\n`, 'text/csv'), 422, 'invalid_rows');
    expect(csv.errors?.map((e) => e.rule)).toEqual(['out_of_range']);
    expect((await post([row(1e15), row(1e15), row(-1e15)])).statusCode).toBe(201);
    expect(rollup(iteration.id, metric.key)).toEqual({ count: 3, sum: 1e15, min: -1e15, max: 1e15, latest: expect.any(Number) });
  });

  it('keeps a row for an ended iteration as late, and refuses a time in no iteration with no_iteration', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    const metric = await createMetric(t);
    const startedAt = t.clock.now().toISOString();
    t.clock.advanceDays(3);
    await transitionIteration(t, iteration.id, 'review');
    await transitionIteration(t, iteration.id, 'close', { decision: 'persevere' });
    t.clock.advanceDays(1);
    const late = await post({ metric: metric.key, initiative: initiative.key, value: 7, observed_at: '2026-01-06T10:00:00+01:00' });
    expect(late.statusCode, late.body).toBe(201);
    expect(MeasurementSchema.parse(late.json())).toMatchObject({ late: true, iteration_id: iteration.id, observed_at: '2026-01-06T09:00:00.000Z' });

    const before = count();
    const none = expectProblem(await post({ metric: metric.key, initiative: initiative.key, value: 7 }), 422, 'no_iteration');
    expect(none.errors?.[0]).toMatchObject({ path: 'body.observed_at', rule: 'no_iteration' });
    expect(none.errors?.[0]?.message).toContain(`v1 (closed, from ${startedAt}`);
    const earlier = expectProblem(await post({ metric: metric.key, initiative: initiative.key, value: 7, observed_at: '2025-12-01T00:00:00Z' }), 422, 'no_iteration');
    expect(earlier.detail).toMatch(/name the iteration/);
    const future = expectProblem(await post({ metric: metric.key, initiative: initiative.key, value: 7, observed_at: '2030-01-01T00:00:00Z' }), 422, 'invalid_rows');
    expect(future.errors?.[0]?.rule).toBe('in_future');
    const planned = await createIteration(t, initiative.key);
    const notStarted = expectProblem(await post({ metric: metric.key, iteration: planned.id, value: 7 }), 422, 'no_iteration');
    expect(notStarted.errors?.[0]?.message).toMatch(/has not started/);
    expect(count()).toBe(before);
  });

  it('lets editors write only for their teams (a row error in a batch), viewers not at all', async () => {
    const mine = await createStartedIteration(t);
    const theirs = await createStartedIteration(t);
    const metric = await createMetric(t);
    const editor = await createKey(t, 'editor', [mine.team.key]);
    const viewer = await createKey(t, 'viewer');
    const before = count();
    const p = expectProblem(
      await post(
        [
          { metric: metric.key, initiative: mine.initiative.key, value: 1 },
          { metric: metric.key, initiative: theirs.initiative.key, value: 1 },
        ],
        'application/json',
        editor.secret,
      ),
      422,
      'invalid_rows',
    );
    expect(p.errors?.map((e) => [e.path, e.rule])).toEqual([['body[1].initiative', 'forbidden_team']]);
    expectProblem(await post({ metric: metric.key, initiative: mine.initiative.key, value: 1 }, 'application/json', viewer.secret), 403, 'forbidden');
    expect(count()).toBe(before);
    expect((await post({ metric: metric.key, initiative: mine.initiative.key, value: 1 }, 'application/json', editor.secret)).statusCode).toBe(201);
  });
});
