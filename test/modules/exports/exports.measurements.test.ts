import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_CONTENT_TYPE } from '../../../src/http/tabular';
import { MEASUREMENT_COLUMNS, MeasurementExport, type MeasurementExportRow } from '../../../src/modules/exports/exports.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { expectProblem } from '../../helpers/problems';
import { buildFixture, expectSameTable, NOW, parseCsv, type Fixture } from './exports.fixture';

let t: TestApp;
let f: Fixture;
beforeAll(async () => {
  t = await makeApp();
  f = await buildFixture(t);
});
afterAll(() => t.close());

const get = (query = '', headers: Record<string, string> = {}) => t.call({ method: 'GET', url: `/v1/exports/measurements${query}`, headers });
async function rows(query = ''): Promise<MeasurementExportRow[]> {
  const res = await get(query);
  expect(res.statusCode, res.body).toBe(200);
  return MeasurementExport.parse(JSON.parse(res.body));
}
const values = async (query = '') => (await rows(query)).map((r) => r.value);

describe('GET /v1/exports/measurements', () => {
  it('lists the live rows in id order, one per measurement, with the keys a dashboard groups by', async () => {
    const res = await get();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    // A bare array (not wrapped), valid JSON, whose every row the route's zod row schema accepts.
    const body = MeasurementExport.parse(JSON.parse(res.body));
    const common = { definition_version: 1, team: 'revops', theme: 'pipeline', initiative: 'lead-scoring', iteration_id: f.leadScoring.v1, iteration_number: 1, recorded_at: NOW, late: false, source: null, note: null, currency_code: null };
    const demos = { ...common, metric: 'demos', unit: 'count' };
    const cycle = { ...common, metric: 'cycle_days', unit: 'days' };
    // 9 (superseded by 7) and 100 (voided) are not live; the rest come in the order they were logged.
    expect(body).toEqual([
      { measurement_id: f.ids['5'], ...demos, value: 5, observed_at: '2026-01-05T12:00:00.000Z', source: 'crm-sync' },
      { measurement_id: f.ids['8'], ...demos, value: 8, observed_at: '2026-01-07T12:00:00.000Z', note: '=SUM(A1), "checked"' },
      { measurement_id: f.ids['29'], ...cycle, value: 29, observed_at: '2026-01-05T15:00:00.000Z' },
      { measurement_id: f.ids['28'], ...cycle, value: 28, observed_at: '2026-01-07T15:00:00.000Z' },
      { measurement_id: f.ids['3'], ...demos, team: 'field-sales', theme: null, initiative: 'deal-desk', iteration_id: f.dealDesk.v1, value: 3, observed_at: '2026-01-06T10:00:00.000Z', late: true },
      { measurement_id: f.ids['7'], ...demos, value: 7, observed_at: '2026-01-06T12:00:00.000Z' },
    ]);
    expect(body.map((r) => Object.keys(r))).toEqual(body.map(() => MEASUREMENT_COLUMNS));
  });

  it('answers the same table as CSV for Accept: text/csv, ?format=csv and a .csv suffix', async () => {
    const json = await rows();
    for (const [query, headers] of [['', { accept: 'text/csv' }], ['?format=csv', {}], ['.csv', {}]] as const) {
      const res = await get(query, headers);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe(CSV_CONTENT_TYPE);
      expect(res.headers['content-disposition']).toBe('inline; filename="measurements.csv"');
      expectSameTable(res.body, json, MEASUREMENT_COLUMNS);
    }
    // The note is quoted (comma, quotes) and neutralised (a leading =), as a spreadsheet must read it.
    const csv = (await get('?format=csv')).body;
    expect(csv).toContain(`,"'=SUM(A1), ""checked"""\r\n`);
    expect(csv.split('\r\n')[0]).toBe(MEASUREMENT_COLUMNS.join(','));
  });

  it('filters by from (inclusive) and to (exclusive) on observed_at', async () => {
    // [01-06T00, 01-07T12): 3 @01-06T10 and 7 @01-06T12; 8 @01-07T12 sits on the open end.
    expect(await values('?from=2026-01-06T00:00:00Z&to=2026-01-07T12:00:00Z')).toEqual([3, 7]);
    expect(await values('?from=2026-01-07T12:00:00Z')).toEqual([8, 28]);
    expect(await values('?to=2026-01-05T15:00:00Z')).toEqual([5]);
    // Offsets are converted to UTC: 13:00+01:00 is 12:00Z.
    expect(await values('?from=2026-01-07T13:00:00%2B01:00')).toEqual([8, 28]);
  });

  it('filters by team, theme, initiative and metric keys (or ids)', async () => {
    expect(await values('?team=field-sales')).toEqual([3]);
    expect(await values('?theme=pipeline')).toEqual([5, 8, 29, 28, 7]);
    expect(await values(`?initiative=${f.leadScoring.id}`)).toEqual([5, 8, 29, 28, 7]);
    expect(await values('?metric=cycle_days')).toEqual([29, 28]);
    expect(await values('?metric=cycle_days,demos&initiative=deal-desk')).toEqual([3]);
    expect(await values('?metric=demos&team=revops&from=2026-01-06T00:00:00Z')).toEqual([8, 7]);
    expect(await values('?metric=win_rate')).toEqual([]);
  });

  it('is an empty array, or a header row alone, when nothing matches', async () => {
    const json = await get('?team=revops&initiative=deal-desk');
    expect(json.statusCode).toBe(200);
    expect(json.body).toBe('[]');
    const csv = await get('?team=revops&initiative=deal-desk&format=csv');
    expect(csv.body).toBe(`${MEASUREMENT_COLUMNS.join(',')}\r\n`);
    expect(parseCsv(csv.body)).toEqual([MEASUREMENT_COLUMNS]);
  });

  it('refuses unknown filter values (404) and bad ones (400 naming the parameter)', async () => {
    expectProblem(await get('?team=no-such-team'), 404, 'not_found');
    expectProblem(await get('?metric=demos,no_such_metric'), 404, 'not_found');
    expectProblem(await get('?initiative=nope'), 404, 'not_found');
    const bad = expectProblem(await get('?from=2026-01-07T00:00:00Z&to=2026-01-06T00:00:00Z'), 400, 'validation_failed');
    expect(bad.errors?.map((e) => e.path)).toEqual(['query.to']);
    const empty = expectProblem(await get('?metric=,'), 400, 'validation_failed');
    expect(empty.errors?.map((e) => e.path)).toEqual(['query.metric']);
    expectProblem(await get('?limit=10'), 400, 'validation_failed');
  });
});

describe('ETag and 304', () => {
  const tagOf = async (query = '') => {
    const res = await get(query);
    expect(res.statusCode, res.body).toBe(200);
    return String(res.headers.etag);
  };

  it('answers 304 to a matching If-None-Match, per form', async () => {
    const json = await tagOf();
    const csv = await tagOf('?format=csv');
    expect(json).toMatch(/^"[\w-]+"$/);
    expect(csv).not.toBe(json);
    expect(await tagOf()).toBe(json);
    const again = await get('', { 'if-none-match': json });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect((await get('?format=csv', { 'if-none-match': json })).statusCode).toBe(200);
    // Another query is another tag.
    expect(await tagOf('?team=revops')).not.toBe(json);
  });

  it('changes after a new measurement, a void, a supersede and an initiative moving team', async () => {
    const query = '?from=2026-01-05T00:00:00Z&to=2026-01-08T00:00:00Z';
    const seen = new Set([await tagOf(query)]);
    const expectNewTag = async (before: number[], after: number[], write: () => Promise<unknown>) => {
      expect(await values(query)).toEqual(before);
      await write();
      expect(await values(query)).toEqual(after);
      const tag = await tagOf(query);
      expect(seen.has(tag), 'a new ETag').toBe(false);
      seen.add(tag);
    };
    const post = async (url: string, payload: Record<string, unknown>) => {
      const res = await t.call({ method: 'POST', url, payload });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json() as { id: string };
    };
    let added = '';
    await expectNewTag([5, 8, 29, 28, 3, 7], [5, 8, 29, 28, 3, 7, 11], async () => {
      added = (await post('/v1/measurements', { metric: 'demos', initiative: 'lead-scoring', value: 11, observed_at: '2026-01-07T20:00:00Z' })).id;
    });
    await expectNewTag([5, 8, 29, 28, 3, 7, 11], [5, 8, 29, 28, 3, 7], () => post(`/v1/measurements/${added}/void`, { reason: 'duplicate' }));
    await expectNewTag([5, 8, 29, 28, 3, 7], [5, 29, 28, 3, 7, 6], () =>
      post('/v1/measurements', { metric: 'demos', initiative: 'lead-scoring', value: 6, observed_at: '2026-01-07T12:00:00Z', supersedes: f.ids['8'] }),
    );
    // The team column shows the initiative's team now.
    await expectNewTag([5, 29, 28, 3, 7, 6], [5, 29, 28, 3, 7, 6], async () => {
      const res = await t.call({ method: 'PATCH', url: '/v1/initiatives/deal-desk', payload: { team: 'revops' } });
      expect(res.statusCode, res.body).toBe(200);
    });
    expect((await rows(query)).find((r) => r.initiative === 'deal-desk')?.team).toBe('revops');
    // A tag seen before still answers 304 when nothing changed since.
    const last = await tagOf(query);
    expect((await get(query, { 'if-none-match': last })).statusCode).toBe(304);
  });
});

describe('an empty ledger', () => {
  it('exports [] as JSON and the header row alone as CSV, with an ETag', async () => {
    const empty = await makeApp();
    try {
      const json = await empty.call({ method: 'GET', url: '/v1/exports/measurements' });
      expect(json.statusCode, json.body).toBe(200);
      expect(JSON.parse(json.body)).toEqual([]);
      expect(json.headers.etag).toBeDefined();
      const csv = await empty.call({ method: 'GET', url: '/v1/exports/measurements.csv' });
      expect(csv.body).toBe(`${MEASUREMENT_COLUMNS.join(',')}\r\n`);
      const head = await empty.call({ method: 'HEAD', url: '/v1/exports/measurements.csv' });
      expect(head.statusCode).toBe(200);
      expect(head.headers.etag).toBe(csv.headers.etag);
      expect(head.body).toBe('');
    } finally {
      await empty.close();
    }
  });
});
