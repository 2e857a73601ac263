import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app';
import {
  createActionItem,
  createInitiative,
  createIteration,
  createMetric,
  createTeam,
  createTheme,
  putRetrospective,
  transitionIteration,
} from '../../helpers/factories';

/**
 * A small organisation whose every dashboard number is computed by hand in the tests. The clock
 * moves as the story goes; it ends at NOW (2026-01-27T09:00Z), with a check-in interval of 7 days.
 *
 * Teams alpha, beta, gamma; themes growth, retention. Metrics: deals (count, sum, increase),
 * cycle_days (days, average, decrease), nps (number, latest, increase), calls (count, sum, increase).
 *
 * lead-scoring (alpha, growth, now), three versions:
 *   v1 box 01-05T00:00 -> 01-19T00:00, started 01-05T09:00, check-in on_track 01-06T09:00,
 *      deals baseline 10 target 30, measured 6 + 8 (sum 14), H1 invalidated, H2 inconclusive,
 *      action items AI1 (open) and AI2 (done); retrospective with 2 learnings, closed 01-15T09:00 (pivot).
 *   v2 box 01-15T09:00 -> 01-29T09:00, carried deals (baseline 14, target 30), H2' (inconclusive
 *      again), AI1' (carried once); H3 validated, AI3 open; measured 30; retrospective with
 *      1 learning, closed 01-22T09:00 (persevere). No check-in.
 *   v3 box 01-22T09:00 -> 02-05T09:00, carried deals (baseline 30, target moved to 50), H2''
 *      (testing), AI1'' (carried twice: recurring), AI3' (carried once); H5 testing; started
 *      01-22T09:00, check-in at_risk 01-23T09:00, measured 36. Under construction.
 * renewal-play (beta, retention, next): v1 box 01-10T00:00 -> 01-31T00:00, started 01-10T09:00,
 *   tracks cycle_days (40 -> 30, measured 36 and 34), nps (0 -> 10, measured 7), calls (0 -> 100,
 *   never measured); H6 validated; AI4 open; check-in on_track 01-21T09:00. Under construction.
 * pricing-test (gamma, no theme, later): v1 planned then abandoned 01-08T09:00; v2 planned, box
 *   01-12T00:00 -> 01-20T00:00 (overdue), H8 proposed.
 * forecast-hygiene (beta, growth, now): v1 box 01-05T09:00 -> 01-19T09:00, started 01-05T09:00,
 *   deals 0 -> 10 measured 5, H7 validated, AI5 open, closed 01-19T09:00 (adopt): adopted.
 * archived-thing (alpha, growth, now): v1 started 01-05T09:00 without check-in, H9 validated; archived.
 */
export const NOW = '2026-01-27T09:00:00.000Z';

export interface Fixture {
  teams: Record<'alpha' | 'beta' | 'gamma', { id: string; key: string }>;
  themes: Record<'growth' | 'retention', { id: string; key: string }>;
  initiatives: Record<'lead' | 'renewal' | 'pricing' | 'forecast' | 'archived', { id: string; key: string }>;
  /** Iteration ids. */
  lead: { v1: string; v2: string; v3: string };
  renewal: { v1: string };
  pricing: { v1: string; v2: string };
  forecast: { v1: string };
}

const OK = [200, 201];

async function call(t: TestApp, method: 'POST' | 'PATCH', url: string, payload: unknown = {}): Promise<{ id: string }> {
  const res = await t.call({ method, url, payload: payload as Record<string, unknown> });
  expect(OK, `${method} ${url}: ${res.body}`).toContain(res.statusCode);
  return res.json();
}

const track = (t: TestApp, it: string, metric: string, baseline: number, target: number) =>
  call(t, 'POST', `/v1/iterations/${it}/metrics`, { metric, baseline, target });
const measure = (t: TestApp, it: string, metric: string, value: number, observed_at: string) =>
  call(t, 'POST', '/v1/measurements', { metric, iteration: it, value, observed_at });
const checkIn = (t: TestApp, it: string, health: string) => call(t, 'POST', `/v1/iterations/${it}/check-ins`, { health });
const hypothesis = (t: TestApp, it: string, metric: string, threshold: number) =>
  call(t, 'POST', `/v1/iterations/${it}/hypotheses`, { statement: `We believe that ${metric} reaches ${threshold}`, metric, operator: 'gte', threshold });
// A reason is always given, so the result stands whatever the suggestion says.
const conclude = (t: TestApp, id: string, result: string) =>
  call(t, 'POST', `/v1/hypotheses/${id}/conclude`, { result, override_reason: 'Judged by the team' });

/** The hypotheses of an iteration. */
async function hypothesesOf(t: TestApp, it: string): Promise<Array<{ id: string; status: string }>> {
  const res = await t.call({ method: 'GET', url: `/v1/iterations/${it}/hypotheses` });
  return (res.json() as { data: Array<{ id: string; status: string }> }).data;
}

export async function buildFixture(t: TestApp): Promise<Fixture> {
  t.clock.set('2026-01-05T09:00:00.000Z');
  const alpha = await createTeam(t, { key: 'alpha', name: 'Alpha' });
  const beta = await createTeam(t, { key: 'beta', name: 'Beta' });
  const gamma = await createTeam(t, { key: 'gamma', name: 'Gamma' });
  const growth = await createTheme(t, { key: 'growth', name: 'Growth' });
  const retention = await createTheme(t, { key: 'retention', name: 'Retention' });
  await createMetric(t, { key: 'deals', unit: 'count', direction: 'increase', aggregation: 'sum' });
  await createMetric(t, { key: 'cycle_days', unit: 'days', direction: 'decrease', aggregation: 'average' });
  await createMetric(t, { key: 'nps', unit: 'number', direction: 'increase', aggregation: 'latest' });
  await createMetric(t, { key: 'calls', unit: 'count', direction: 'increase', aggregation: 'sum' });

  const lead = await createInitiative(t, { key: 'lead-scoring', title: 'Score leads', team: 'alpha', theme: 'growth', horizon: 'now' });
  const renewal = await createInitiative(t, { key: 'renewal-play', title: 'Renewal play', team: 'beta', theme: 'retention', horizon: 'next' });
  const pricing = await createInitiative(t, { key: 'pricing-test', title: 'Pricing test', team: 'gamma', horizon: 'later' });
  const forecast = await createInitiative(t, { key: 'forecast-hygiene', title: 'Forecast hygiene', team: 'beta', theme: 'growth', horizon: 'now' });
  const archived = await createInitiative(t, { key: 'archived-thing', title: 'Archived thing', team: 'alpha', theme: 'growth', horizon: 'now' });

  // lead-scoring v1.
  const l1 = await createIteration(t, lead.key, { planned_start: '2026-01-05T00:00:00Z', planned_end: '2026-01-19T00:00:00Z' });
  await track(t, l1.id, 'deals', 10, 30);
  const h1 = await hypothesis(t, l1.id, 'deals', 20);
  const h2 = await hypothesis(t, l1.id, 'deals', 5);
  await createActionItem(t, l1.id, { title: 'Agree the CRM export date' });
  const ai2 = await createActionItem(t, l1.id, { title: 'Brief the SDRs' });
  await call(t, 'PATCH', `/v1/action-items/${ai2.id}`, { status: 'done' });
  await transitionIteration(t, l1.id, 'start');
  // forecast-hygiene v1 and archived-thing v1 start at the same moment.
  const f1 = await createIteration(t, forecast.key, { planned_start: '2026-01-05T09:00:00Z', planned_end: '2026-01-19T09:00:00Z' });
  await track(t, f1.id, 'deals', 0, 10);
  const h7 = await hypothesis(t, f1.id, 'deals', 5);
  await createActionItem(t, f1.id, { title: 'Clean the close dates' });
  await transitionIteration(t, f1.id, 'start');
  const d1 = await createIteration(t, archived.key);
  const h9 = await hypothesis(t, d1.id, 'deals', 1);
  await transitionIteration(t, d1.id, 'start');
  await conclude(t, h9.id, 'validated');
  // pricing-test v1, planned only.
  const p1 = await createIteration(t, pricing.key);

  t.clock.set('2026-01-06T09:00:00.000Z');
  await checkIn(t, l1.id, 'on_track');
  t.clock.set('2026-01-08T09:00:00.000Z');
  await measure(t, l1.id, 'deals', 6, '2026-01-06T00:00:00Z');
  await measure(t, l1.id, 'deals', 8, '2026-01-08T00:00:00Z');
  await measure(t, f1.id, 'deals', 5, '2026-01-08T00:00:00Z');
  await conclude(t, h7.id, 'validated');
  await transitionIteration(t, p1.id, 'abandon');
  const p2 = await createIteration(t, pricing.key, { planned_start: '2026-01-12T00:00:00Z', planned_end: '2026-01-20T00:00:00Z' });
  await hypothesis(t, p2.id, 'deals', 1);

  // renewal-play v1.
  t.clock.set('2026-01-10T09:00:00.000Z');
  const r1 = await createIteration(t, renewal.key, { planned_start: '2026-01-10T00:00:00Z', planned_end: '2026-01-31T00:00:00Z' });
  await track(t, r1.id, 'cycle_days', 40, 30);
  await track(t, r1.id, 'nps', 0, 10);
  await track(t, r1.id, 'calls', 0, 100);
  const h6 = await hypothesis(t, r1.id, 'nps', 5);
  await createActionItem(t, r1.id, { title: 'Call the top accounts' });
  await transitionIteration(t, r1.id, 'start');
  t.clock.set('2026-01-12T09:00:00.000Z');
  await measure(t, r1.id, 'cycle_days', 36, '2026-01-11T00:00:00Z');
  await measure(t, r1.id, 'cycle_days', 34, '2026-01-12T00:00:00Z');
  await measure(t, r1.id, 'nps', 7, '2026-01-12T00:00:00Z');
  await conclude(t, h6.id, 'validated');

  // lead-scoring v1 ends: review, retrospective, close; v2 carries deals, H2 and AI1.
  t.clock.set('2026-01-15T09:00:00.000Z');
  await conclude(t, h1.id, 'invalidated');
  await conclude(t, h2.id, 'inconclusive');
  await transitionIteration(t, l1.id, 'review');
  const learnings = [
    { observed: 'AEs ignored the scores', learned: 'AEs work accounts, not leads' },
    { observed: 'SDRs called scored leads first', learned: 'Scores help SDRs' },
  ];
  await putRetrospective(t, l1.id, { learnings, decision: 'pivot' });
  await transitionIteration(t, l1.id, 'close');
  const l2 = await createIteration(t, lead.key, { planned_start: '2026-01-15T09:00:00Z', planned_end: '2026-01-29T09:00:00Z' });
  const h3 = await hypothesis(t, l2.id, 'deals', 25);
  await createActionItem(t, l2.id, { title: 'Score accounts' });
  await transitionIteration(t, l2.id, 'start');

  t.clock.set('2026-01-19T09:00:00.000Z');
  await transitionIteration(t, f1.id, 'review');
  await transitionIteration(t, f1.id, 'close', { decision: 'adopt' });

  t.clock.set('2026-01-21T09:00:00.000Z');
  await checkIn(t, r1.id, 'on_track');
  await measure(t, l2.id, 'deals', 30, '2026-01-20T00:00:00Z');

  t.clock.set('2026-01-22T09:00:00.000Z');
  await conclude(t, h3.id, 'validated');
  const carried = (await hypothesesOf(t, l2.id)).find((h) => h.id !== h3.id)!;
  await conclude(t, carried.id, 'inconclusive');
  await transitionIteration(t, l2.id, 'review');
  await putRetrospective(t, l2.id, { learnings: [{ observed: 'Account scores landed', learned: 'Keep scoring accounts' }], decision: 'persevere' });
  await transitionIteration(t, l2.id, 'close');
  const l3 = await createIteration(t, lead.key, { planned_start: '2026-01-22T09:00:00Z', planned_end: '2026-02-05T09:00:00Z' });
  await call(t, 'PATCH', `/v1/iterations/${l3.id}/metrics/deals`, { target: 50 });
  await transitionIteration(t, l3.id, 'start');
  await hypothesis(t, l3.id, 'deals', 40);

  t.clock.set('2026-01-23T09:00:00.000Z');
  await checkIn(t, l3.id, 'at_risk');
  t.clock.set('2026-01-24T09:00:00.000Z');
  await measure(t, l3.id, 'deals', 36, '2026-01-24T09:00:00Z');
  const archiving = await t.call({ method: 'DELETE', url: `/v1/initiatives/${archived.key}` });
  expect(archiving.statusCode, archiving.body).toBe(204);

  t.clock.set(NOW);
  return {
    teams: { alpha, beta, gamma },
    themes: { growth, retention },
    initiatives: { lead, renewal, pricing, forecast, archived },
    lead: { v1: l1.id, v2: l2.id, v3: l3.id },
    renewal: { v1: r1.id },
    pricing: { v1: p1.id, v2: p2.id },
    forecast: { v1: f1.id },
  };
}
