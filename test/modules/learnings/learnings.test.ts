import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../src/http/pagination';
import { CSV_CONTENT_TYPE } from '../../../src/http/tabular';
import { HypothesisSchema, type Hypothesis } from '../../../src/modules/hypotheses/hypotheses.schemas';
import { LearningsPage, type LearningsPageBody } from '../../../src/modules/learnings/learnings.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import {
  createInitiative,
  createIteration,
  createKey,
  createMetric,
  createTeam,
  putRetrospective,
  transitionIteration,
  type CreatedKey,
} from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
import { parseCsv, record } from '../metric-series/fixture';

/**
 * alpha-one (team alpha) v1 tests h1 and h2 on win_rate and h3 on calls; bravo-one (team bravo)
 * v1 tests h4 and h5 on win_rate. Concluded: h1 validated and h2 invalidated at T1, h3
 * inconclusive at T2, h4 validated at T3; h5 stays testing. alpha-one v1 then closes with its
 * retrospective (decision persevere); bravo-one v1 has none.
 */
const T1 = '2026-01-10T09:00:00.000Z';
const T2 = '2026-01-11T09:00:00.000Z';
const T3 = '2026-01-12T09:00:00.000Z';
const LEARNED = [{ observed: 'SDRs called scored leads first, and "hot" ones converted', learned: 'Scoring works' }];

let t: TestApp;
let viewer: CreatedKey;
let alphaV1: string;
let bravoV1: string;
const h: Record<string, Hypothesis> = {};

async function hypothesis(iterationId: string, body: Record<string, unknown>): Promise<Hypothesis> {
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/hypotheses`, payload: { operator: 'gte', ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return HypothesisSchema.parse(res.json());
}
async function conclude(id: string, body: Record<string, unknown>) {
  const res = await t.call({ method: 'POST', url: `/v1/hypotheses/${id}/conclude`, payload: body });
  expect(res.statusCode, res.body).toBe(200);
}

beforeAll(async () => {
  t = await makeApp();
  viewer = await createKey(t, 'viewer');
  await createTeam(t, { key: 'alpha' });
  await createTeam(t, { key: 'bravo' });
  await createInitiative(t, { key: 'alpha-one', team: 'alpha', title: 'Lead scoring' });
  await createInitiative(t, { key: 'bravo-one', team: 'bravo', title: 'Call scripts' });
  alphaV1 = (await createIteration(t, 'alpha-one')).id;
  bravoV1 = (await createIteration(t, 'bravo-one')).id;
  await transitionIteration(t, alphaV1, 'start');
  await transitionIteration(t, bravoV1, 'start');
  await createMetric(t, { key: 'win_rate', unit: 'ratio', aggregation: 'latest' });
  await createMetric(t, { key: 'calls', unit: 'count', aggregation: 'sum' });
  h.h1 = await hypothesis(alphaV1, { statement: 'We believe that scoring lifts the win rate', metric: 'win_rate', threshold: 0.25, confidence: 'high', evidence: 'Pilot' });
  h.h2 = await hypothesis(alphaV1, { statement: 'We believe that scoring doubles the win rate', metric: 'win_rate', threshold: 0.5 });
  h.h3 = await hypothesis(alphaV1, { statement: 'We believe that SDRs make more calls', metric: 'calls', threshold: 100 });
  h.h4 = await hypothesis(bravoV1, { statement: 'We believe that scripts lift the win rate', metric: 'win_rate', threshold: 0.1 });
  h.h5 = await hypothesis(bravoV1, { statement: 'We believe that scripts lift it further', metric: 'win_rate', threshold: 0.15 });

  t.clock.set(T1);
  await record(t, { metric: 'win_rate', initiative: 'alpha-one', value: 0.3 });
  await record(t, { metric: 'win_rate', initiative: 'bravo-one', value: 0.2 });
  await conclude(h.h1.id, { result: 'validated' }); // 0.3 >= 0.25, as suggested
  await conclude(h.h2.id, { result: 'invalidated' }); // 0.3 < 0.5
  t.clock.set(T2);
  await conclude(h.h3.id, { result: 'inconclusive', override_reason: 'The dialer was down' }); // suggested insufficient_data
  t.clock.set(T3);
  await conclude(h.h4.id, { result: 'validated' }); // 0.2 >= 0.1

  await putRetrospective(t, alphaV1, { learnings: LEARNED, decision: 'persevere', decision_reason: 'Keep going' });
  await transitionIteration(t, alphaV1, 'review');
  await transitionIteration(t, alphaV1, 'close');
});
afterAll(() => t.close());

async function list(query = ''): Promise<LearningsPageBody> {
  const res = await t.call({ method: 'GET', url: `/v1/learnings${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return LearningsPage.parse(res.json());
}
const ids = (page: LearningsPageBody) => page.data.map((d) => d.hypothesis_id);

describe('GET /v1/learnings', () => {
  it('lists concluded hypotheses on a metric, newest conclusion first, with version and retrospective', async () => {
    const page = await list('?metric=win_rate');
    // h1 and h2 were concluded at the same instant: the later created (higher id) comes first.
    expect(ids(page)).toEqual([h.h4!.id, h.h2!.id, h.h1!.id]);
    expect(page.next_cursor).toBeNull();
    expect(page.data[0]).toEqual({
      hypothesis_id: h.h4!.id,
      statement: 'We believe that scripts lift the win rate',
      metric: 'win_rate',
      result: 'validated',
      evidence: '',
      confidence: null,
      override_reason: null,
      concluded_at: T3,
      team: { id: expect.any(String), key: 'bravo' },
      initiative: { id: expect.any(String), key: 'bravo-one', title: 'Call scripts' },
      version: { iteration_id: bravoV1, number: 1, status: 'under_construction', decision: null },
      retrospective: null,
    });
    expect(page.data[2]).toMatchObject({
      result: 'validated',
      evidence: 'Pilot',
      confidence: 'high',
      concluded_at: T1,
      team: { key: 'alpha' },
      version: { iteration_id: alphaV1, number: 1, status: 'closed', decision: 'persevere' },
      retrospective: { decision: 'persevere', decision_reason: 'Keep going', learnings: LEARNED },
    });
  });

  it('without a metric lists every metric; filters by team, initiative and result; never lists what is not concluded', async () => {
    expect(ids(await list())).toEqual([h.h4!.id, h.h3!.id, h.h2!.id, h.h1!.id]);
    expect(ids(await list('?team=alpha'))).toEqual([h.h3!.id, h.h2!.id, h.h1!.id]);
    expect(ids(await list('?initiative=bravo-one'))).toEqual([h.h4!.id]);
    expect(ids(await list('?metric=win_rate&result=validated'))).toEqual([h.h4!.id, h.h1!.id]);
    expect(ids(await list('?result=inconclusive'))).toEqual([h.h3!.id]);
    expect((await list('?result=inconclusive')).data[0]).toMatchObject({ override_reason: 'The dialer was down', metric: 'calls', concluded_at: T2 });
    expect(ids(await list('?metric=win_rate&team=alpha&initiative=bravo-one'))).toEqual([]);
  });

  it('pages with limit and cursor, and a Link header to the next page', async () => {
    const first = await t.call({ method: 'GET', url: '/v1/learnings?metric=win_rate&limit=2' });
    const page1 = LearningsPage.parse(first.json());
    expect(ids(page1)).toEqual([h.h4!.id, h.h2!.id]);
    const link = /^<([^>]+)>; rel="next"$/.exec(String(first.headers.link))?.[1];
    expect(link).toBe(`/v1/learnings?metric=win_rate&limit=2&cursor=${page1.next_cursor}`);
    const second = await t.call({ method: 'GET', url: link! });
    const page2 = LearningsPage.parse(second.json());
    expect(ids(page2)).toEqual([h.h1!.id]);
    expect(page2.next_cursor).toBeNull();
    expect(second.headers.link).toBeUndefined();
  });

  it('refuses unknown filters with a 404 and bad ones with a 400 naming them', async () => {
    for (const query of ['metric=no_such_metric', 'team=charlie', 'initiative=no-such-initiative']) {
      expectProblem(await t.call({ method: 'GET', url: `/v1/learnings?${query}` }), 404, 'not_found');
    }
    const bad = expectProblem(await t.call({ method: 'GET', url: '/v1/learnings?result=maybe&limit=0' }), 400, 'validation_failed');
    expect(bad.errors?.map((e) => e.path).sort()).toEqual(['query.limit', 'query.result']);
    // A cursor of another list decodes, but is not one this list issued.
    const foreign = expectProblem(await t.call({ method: 'GET', url: `/v1/learnings?cursor=${encodeCursor('itr_x')}` }), 400, 'validation_failed');
    expect(foreign.errors?.map((e) => e.path)).toEqual(['query.cursor']);
  });

  it('answers the same page as CSV, one row per hypothesis, with its own ETag and 304', async () => {
    const json = await list('?metric=win_rate');
    const res = await t.call({ method: 'GET', url: '/v1/learnings.csv?metric=win_rate' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe(CSV_CONTENT_TYPE);
    const rows = parseCsv(res.body);
    expect(rows.map((r) => [r.hypothesis_id, r.result, r.team, r.initiative, r.version_number, r.decision, r.concluded_at])).toEqual(
      json.data.map((d) => [d.hypothesis_id, d.result, d.team.key, d.initiative.key, String(d.version.number), d.version.decision ?? '', d.concluded_at]),
    );
    expect(rows[2]).toMatchObject({ confidence: 'high', evidence: 'Pilot', iteration_status: 'closed', retrospective_decision: 'persevere' });
    expect(JSON.parse(rows[2]!.learnings!)).toEqual(LEARNED);
    expect(rows[0]!.learnings).toBe('');
    const again = await t.call({ method: 'GET', url: '/v1/learnings.csv?metric=win_rate', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
    const jsonEtag = (await t.call({ method: 'GET', url: '/v1/learnings?metric=win_rate' })).headers.etag;
    expect(jsonEtag).not.toBe(res.headers.etag);
    expect((await t.call({ method: 'GET', url: '/v1/learnings?metric=win_rate', headers: { 'if-none-match': String(jsonEtag) } })).statusCode).toBe(304);
  });

  it('takes a viewer key as access_token, and refuses an editor or admin key there', async () => {
    const ok = await t.call({ method: 'GET', url: `/v1/learnings?format=csv&access_token=${viewer.secret}`, key: null });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(parseCsv(ok.body)).toHaveLength(4);
    const editor = await createKey(t, 'editor', ['alpha']);
    expectProblem(await t.call({ method: 'GET', url: `/v1/learnings?access_token=${editor.secret}`, key: null }), 401, 'unauthorized');
    expectProblem(await t.call({ method: 'GET', url: `/v1/learnings?access_token=${t.adminKey}`, key: null }), 401, 'unauthorized');
  });

  it('shows a new conclusion at once (the cached page is dropped by the write)', async () => {
    expect(ids(await list('?metric=win_rate'))).not.toContain(h.h5!.id);
    t.clock.set('2026-01-13T09:00:00.000Z');
    await conclude(h.h5!.id, { result: 'validated' }); // 0.2 >= 0.15
    expect(ids(await list('?metric=win_rate'))[0]).toBe(h.h5!.id);
  });
});
