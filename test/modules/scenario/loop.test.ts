import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey, createMetric, createTeam } from '../../helpers/factories';
import { ActionItemPage, ActionItemSchema } from '../../../src/modules/action-items/action-items.schemas';
import { HypothesisPage, HypothesisSchema } from '../../../src/modules/hypotheses/hypotheses.schemas';
import { InitiativeSchema } from '../../../src/modules/initiatives/initiatives.schemas';
import { CreatedIterationSchema, IterationDiffSchema, IterationPage } from '../../../src/modules/iterations/iterations.schemas';
import { RetrospectiveSchema, type Retrospective } from '../../../src/modules/retrospectives/retrospectives.schemas';
import { TrackedMetricPage } from '../../../src/modules/tracked-metrics/tracked-metrics.schemas';

/**
 * One initiative through three versions, as a team would run it with an editor key: v1 pivots,
 * v2 perseveres, v3 adopts. Then everything is read back the way a dashboard would.
 */
let t: TestApp;
let key: string;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await t.call({ method, url, key, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res;
}

/** One version: plan (carrying over), hypothesis, start, measure and check in weekly, review, conclude, retrospective, close. */
async function runVersion(n: number, plan: { values: number[]; decision: string; result: string; items: string[]; finish: string[] }) {
  const created = CreatedIterationSchema.parse((await call('POST', '/v1/initiatives/lead-scoring/iterations', { goal: `Attempt ${n}` })).json());
  const id = created.id;
  const hyp = HypothesisSchema.parse(
    (await call('POST', `/v1/iterations/${id}/hypotheses`, { statement: `v${n}: scoring lifts win rate`, metric: 'win_rate', operator: 'gte', threshold: 0.25 })).json(),
  );
  for (const title of plan.items) await call('POST', `/v1/iterations/${id}/action-items`, { title, owner: 'Dana' });
  // Tracked from v1 on; later versions carry it, starting from where the previous one ended.
  if (n === 1) await call('POST', `/v1/iterations/${id}/metrics`, { metric: 'win_rate', baseline: 0.18, target: 0.25 });
  await call('POST', `/v1/iterations/${id}/start`);
  for (const [week, value] of plan.values.entries()) {
    t.clock.advanceDays(7);
    await call('POST', '/v1/measurements', { metric: 'win_rate', initiative: 'lead-scoring', value, source: 'crm-export' });
    await call('POST', `/v1/iterations/${id}/check-ins`, { health: value >= 0.25 ? 'on_track' : 'at_risk', note: `week ${week + 1}` });
  }
  await call('POST', `/v1/iterations/${id}/review`);
  const reason = plan.result === HypothesisSchema.parse((await call('GET', `/v1/hypotheses/${hyp.id}`)).json()).suggested_result.result ? {} : { override_reason: 'Seasonality' };
  await call('POST', `/v1/hypotheses/${hyp.id}/conclude`, { result: plan.result, ...reason });
  const open = ActionItemPage.parse((await call('GET', `/v1/iterations/${id}/action-items?status=open`)).json()).data;
  for (const item of open.filter((i) => plan.finish.includes(i.title))) await call('PATCH', `/v1/action-items/${item.id}`, { status: 'done' });
  await call('PUT', `/v1/iterations/${id}/retrospective`, {
    went_well: [`v${n} shipped on time`],
    to_improve: ['Start measuring on day one'],
    learnings: [{ observed: `win rate ended at ${plan.values.at(-1)}`, learned: `v${n} taught us something` }],
    decision: plan.decision,
    decision_reason: `Because of v${n}`,
  });
  await call('POST', `/v1/iterations/${id}/close`, { outcome: `v${n} done` });
  return { id, carried: created.carried };
}

describe('the loop, end to end', () => {
  it('runs v1 (pivot), v2 (persevere) and v3 (adopt) and reads the story back', async () => {
    const team = await createTeam(t, { key: 'revops' });
    key = (await createKey(t, 'editor', [team.key])).secret;
    await createMetric(t, { key: 'win_rate', unit: 'ratio', aggregation: 'latest' });
    await call('POST', '/v1/initiatives', { key: 'lead-scoring', title: 'Score inbound leads', team: 'revops' });

    const v1 = await runVersion(1, { values: [0.18, 0.2], decision: 'pivot', result: 'invalidated', items: ['Fix the CRM export', 'Train AEs'], finish: ['Train AEs'] });
    const v2 = await runVersion(2, { values: [0.22, 0.24], decision: 'persevere', result: 'invalidated', items: [], finish: [] });
    const v3 = await runVersion(3, { values: [0.26, 0.29], decision: 'adopt', result: 'validated', items: [], finish: ['Fix the CRM export'] });

    // v2 and v3 carried the tracked metric and the CRM export item; concluded hypotheses are not carried.
    expect(v2.carried.map((c) => c.kind).sort()).toEqual(['action_items', 'tracked_metrics']);
    expect(v3.carried.map((c) => c.kind).sort()).toEqual(['action_items', 'tracked_metrics']);

    // The initiative as a dashboard shows it: adopted, its last version closed.
    const initiative = InitiativeSchema.parse((await call('GET', '/v1/initiatives/lead-scoring')).json());
    expect(initiative).toMatchObject({ status: 'adopted', current_iteration: { id: v3.id, number: 3, status: 'closed' } });
    const iterations = IterationPage.parse((await call('GET', '/v1/initiatives/lead-scoring/iterations?order=asc')).json()).data;
    expect(iterations.map((i) => [i.number, i.status, i.decision, i.outcome])).toEqual([
      [1, 'closed', 'pivot', 'v1 done'],
      [2, 'closed', 'persevere', 'v2 done'],
      [3, 'closed', 'adopt', 'v3 done'],
    ]);
    // No more versions after adopt.
    expect((await t.call({ method: 'POST', url: '/v1/initiatives/lead-scoring/iterations', key, payload: {} })).statusCode).toBe(409);

    // Diffs carry the retrospectives' decisions and the check-ins.
    const diff12 = IterationDiffSchema.parse((await call('GET', '/v1/initiatives/lead-scoring/iterations/1/diff/2')).json());
    expect(diff12.decisions).toEqual({ from: 'pivot', to: 'persevere' });
    expect(diff12.fields.decision).toEqual({ from: 'pivot', to: 'persevere' });
    expect(diff12.check_ins).toEqual({ from: { count: 2, last_health: 'at_risk' }, to: { count: 2, last_health: 'at_risk' } });
    const diff23 = IterationDiffSchema.parse((await call('GET', '/v1/initiatives/lead-scoring/iterations/2/diff/3')).json());
    expect(diff23.decisions).toEqual({ from: 'persevere', to: 'adopt' });
    expect(diff23.items.action_items!.changed).toMatchObject([{ fields: { status: { from: 'open', to: 'done' } } }]);

    // Each retrospective is frozen with the version as it ended.
    const retros: Retrospective[] = [];
    for (const v of [v1, v2, v3]) retros.push(RetrospectiveSchema.parse((await call('GET', `/v1/iterations/${v.id}/retrospective`)).json()));
    expect(retros.map((r) => [r.decision, r.frozen_at !== null, r.snapshot?.decision])).toEqual([
      ['pivot', true, 'pivot'],
      ['persevere', true, 'persevere'],
      ['adopt', true, 'adopt'],
    ]);
    expect(retros.map((r) => r.snapshot!.hypotheses.map((h) => [h.status, h.suggested_result.value]))).toEqual([
      [['invalidated', 0.2]],
      [['invalidated', 0.24]],
      [['validated', 0.29]],
    ]);
    expect(retros.map((r) => r.snapshot!.tracked_metrics.map((m) => [m.metric, m.baseline, m.current, m.target, m.health]))).toEqual([
      [['win_rate', 0.18, 0.2, 0.25, 'on_track']], // no time box: moving is on track
      [['win_rate', 0.2, 0.24, 0.25, 'on_track']],
      [['win_rate', 0.24, 0.29, 0.25, 'achieved']],
    ]);
    expect(TrackedMetricPage.parse((await call('GET', `/v1/iterations/${v3.id}/metrics`)).json()).data).toMatchObject([{ current: 0.29, health: 'achieved' }]);
    expect(HypothesisPage.parse((await call('GET', `/v1/iterations/${v3.id}/hypotheses`)).json()).data).toHaveLength(1);

    // The item the team kept postponing: carried twice, recurring, done in v3. Across
    // iterations each item is listed once, as its latest copy; v1 still shows its own.
    const items = ActionItemPage.parse((await call('GET', '/v1/action-items?initiative=lead-scoring')).json()).data;
    expect(items.map((i) => [i.iteration_number, i.title, i.status, i.times_carried, i.recurring])).toEqual([
      [1, 'Train AEs', 'done', 0, false],
      [3, 'Fix the CRM export', 'done', 2, true],
    ]);
    const inV1 = ActionItemPage.parse((await call('GET', `/v1/iterations/${v1.id}/action-items`)).json()).data;
    const copyInV2 = ActionItemPage.parse((await call('GET', `/v1/iterations/${v2.id}/action-items`)).json()).data[0];
    expect(inV1.map((i) => [i.title, i.status, i.carried_to])).toEqual([
      ['Fix the CRM export', 'open', copyInV2?.id],
      ['Train AEs', 'done', null],
    ]);
    const recurring = ActionItemPage.parse((await call('GET', '/v1/action-items?team=revops&recurring=true')).json()).data;
    expect(recurring.map((i) => ActionItemSchema.parse(i).iteration_id)).toEqual([v3.id]);
  });
});
