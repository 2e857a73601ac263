import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';
import { createInitiative, createIteration, createStartedIteration, transitionIteration } from '../helpers/factories';
import { expectProblem } from '../helpers/problems';

/**
 * Every operation that takes a body, query parameters or typed path parameters, given input it
 * must refuse: a 400 problem whose errors[] names the field. A completeness check fails when the
 * OpenAPI document gains such an operation without a row here.
 */
interface Case {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** OpenAPI path template. */
  path: string;
  url: (ids: Ids) => string;
  payload?: unknown;
  /** The field paths the problem must name. */
  paths: string[];
}

interface Ids {
  team: string;
  theme: string;
  initiative: string;
  iteration: string;
  review: string;
}

const CASES: Case[] = [
  { method: 'POST', path: '/v1/api-keys', url: () => '/v1/api-keys', payload: { name: '', role: 'owner' }, paths: ['body.name', 'body.role'] },
  { method: 'GET', path: '/v1/api-keys', url: () => '/v1/api-keys?role=root&revoked=maybe', paths: ['query.role', 'query.revoked'] },
  { method: 'POST', path: '/v1/teams', url: () => '/v1/teams', payload: { key: 'Bad Key', name: 'x' }, paths: ['body.key'] },
  { method: 'GET', path: '/v1/teams', url: () => '/v1/teams?limit=501', paths: ['query.limit'] },
  { method: 'PATCH', path: '/v1/teams/{id}', url: (i) => `/v1/teams/${i.team}`, payload: { name: '', key: 'new-key' }, paths: ['body.name', 'body.key'] },
  { method: 'POST', path: '/v1/themes', url: () => '/v1/themes', payload: { key: 'ok-key', name: 42 }, paths: ['body.name'] },
  { method: 'GET', path: '/v1/themes', url: () => '/v1/themes?limit=0', paths: ['query.limit'] },
  { method: 'PATCH', path: '/v1/themes/{id}', url: (i) => `/v1/themes/${i.theme}`, payload: { description: 'x'.repeat(4001) }, paths: ['body.description'] },
  {
    method: 'POST',
    path: '/v1/initiatives',
    url: () => '/v1/initiatives',
    payload: { key: 'k', title: '', team: 'revops', horizon: 'someday' },
    paths: ['body.key', 'body.title', 'body.horizon'],
  },
  {
    method: 'GET',
    path: '/v1/initiatives',
    url: () => '/v1/initiatives?status=done&updated_since=yesterday&archived=maybe',
    paths: ['query.status', 'query.updated_since', 'query.archived'],
  },
  { method: 'PATCH', path: '/v1/initiatives/{id}', url: (i) => `/v1/initiatives/${i.initiative}`, payload: { tags: ['Not A Tag'] }, paths: ['body.tags.0'] },
  { method: 'GET', path: '/v1/initiatives/{id}/progress', url: (i) => `/v1/initiatives/${i.initiative}/progress?format=xml`, paths: ['query.format'] },
  {
    method: 'GET',
    path: '/v1/dashboard/summary',
    url: () => '/v1/dashboard/summary?horizon=soon&archived=maybe&format=pdf',
    paths: ['query.horizon', 'query.archived', 'query.format'],
  },
  {
    method: 'GET',
    path: '/v1/dashboard/roadmap',
    url: () => '/v1/dashboard/roadmap?group_by=owner&horizon=someday&team=',
    paths: ['query.group_by', 'query.horizon', 'query.team'],
  },
  {
    method: 'POST',
    path: '/v1/initiatives/{id}/iterations',
    url: (i) => `/v1/initiatives/${i.initiative}/iterations`,
    payload: { carry_over: 'yes', planned_start: 'soon' },
    paths: ['body.carry_over', 'body.planned_start'],
  },
  {
    method: 'GET',
    path: '/v1/initiatives/{id}/iterations',
    url: (i) => `/v1/initiatives/${i.initiative}/iterations?order=sideways&status=started`,
    paths: ['query.order', 'query.status'],
  },
  {
    method: 'GET',
    path: '/v1/initiatives/{id}/iterations/{a}/diff/{b}',
    url: (i) => `/v1/initiatives/${i.initiative}/iterations/0/diff/two`,
    paths: ['path.a', 'path.b'],
  },
  { method: 'PATCH', path: '/v1/iterations/{id}', url: (i) => `/v1/iterations/${i.iteration}`, payload: { goal: 7, outcome: [] }, paths: ['body.goal', 'body.outcome'] },
  { method: 'POST', path: '/v1/iterations/{id}/start', url: (i) => `/v1/iterations/${i.iteration}/start`, payload: { now: true }, paths: ['body.now'] },
  { method: 'POST', path: '/v1/iterations/{id}/review', url: (i) => `/v1/iterations/${i.iteration}/review`, payload: { why: 'x' }, paths: ['body.why'] },
  { method: 'POST', path: '/v1/iterations/{id}/close', url: (i) => `/v1/iterations/${i.review}/close`, payload: { decision: 'maybe' }, paths: ['body.decision'] },
  { method: 'POST', path: '/v1/iterations/{id}/carry-over', url: (i) => `/v1/iterations/${i.iteration}/carry-over`, payload: { from: 1 }, paths: ['body.from'] },
  { method: 'POST', path: '/v1/iterations/{id}/abandon', url: (i) => `/v1/iterations/${i.iteration}/abandon`, payload: { reason: 5 }, paths: ['body.reason'] },
  {
    method: 'POST',
    path: '/v1/iterations/{id}/check-ins',
    url: (i) => `/v1/iterations/${i.iteration}/check-ins`,
    payload: { health: 'green', note: 'x'.repeat(2001) },
    paths: ['body.health', 'body.note'],
  },
  { method: 'GET', path: '/v1/iterations/{id}/check-ins', url: (i) => `/v1/iterations/${i.iteration}/check-ins?cursor=%%%`, paths: ['query.cursor'] },
  { method: 'GET', path: '/v1/activity', url: () => '/v1/activity?since=never&entity=x', paths: ['query.since', 'query.entity'] },
  {
    method: 'POST',
    path: '/v1/metrics',
    url: () => '/v1/metrics',
    payload: { key: 'Win Rate', name: 'x', unit: 'euros', currency_code: 'eur', direction: 'up', aggregation: 'median' },
    paths: ['body.key', 'body.unit', 'body.currency_code', 'body.direction', 'body.aggregation'],
  },
  { method: 'GET', path: '/v1/metrics', url: () => '/v1/metrics?scope=global&unit=euros', paths: ['query.scope', 'query.unit'] },
  // Input is validated before the metric is looked up, so any key shows the refusal.
  { method: 'PATCH', path: '/v1/metrics/{key}', url: () => '/v1/metrics/win_rate', payload: { key: 'new_key', unit: 'money' }, paths: ['body.key', 'body.unit'] },
  { method: 'POST', path: '/v1/metrics/{key}/promote', url: () => '/v1/metrics/win_rate/promote', payload: { team: null }, paths: ['body.team'] },
  {
    method: 'POST',
    path: '/v1/iterations/{id}/hypotheses',
    url: (i) => `/v1/iterations/${i.iteration}/hypotheses`,
    payload: { statement: 7, metric: 'win_rate', operator: 'about', min_measurements: 0 },
    paths: ['body.statement', 'body.operator', 'body.min_measurements'],
  },
  { method: 'GET', path: '/v1/iterations/{id}/hypotheses', url: (i) => `/v1/iterations/${i.iteration}/hypotheses?status=maybe`, paths: ['query.status'] },
  { method: 'PATCH', path: '/v1/hypotheses/{id}', url: () => '/v1/hypotheses/hyp_x', payload: { threshold: 'high', confidence: 'total' }, paths: ['body.threshold', 'body.confidence'] },
  { method: 'POST', path: '/v1/hypotheses/{id}/conclude', url: () => '/v1/hypotheses/hyp_x/conclude', payload: { result: 'proven' }, paths: ['body.result'] },
  { method: 'POST', path: '/v1/iterations/{id}/metrics', url: (i) => `/v1/iterations/${i.iteration}/metrics`, payload: { metric: 'win_rate', baseline: 'low' }, paths: ['body.baseline'] },
  { method: 'GET', path: '/v1/iterations/{id}/metrics', url: (i) => `/v1/iterations/${i.iteration}/metrics?limit=501`, paths: ['query.limit'] },
  {
    method: 'PATCH',
    path: '/v1/iterations/{id}/metrics/{metric_key}',
    url: (i) => `/v1/iterations/${i.iteration}/metrics/win_rate`,
    payload: { target: [1], metric: 'x' },
    paths: ['body.target', 'body.metric'],
  },
  // Rows are checked by the service: an empty batch is a 400, a bad row a 422 (measurements tests).
  { method: 'POST', path: '/v1/measurements', url: () => '/v1/measurements', payload: [] as unknown as Record<string, unknown>, paths: ['body'] },
  { method: 'GET', path: '/v1/measurements', url: () => '/v1/measurements?include_voided=yes&from=never', paths: ['query.include_voided', 'query.from'] },
  {
    method: 'GET',
    path: '/v1/exports/measurements',
    url: () => '/v1/exports/measurements?from=never&format=xml&metric=,',
    paths: ['query.from', 'query.format', 'query.metric'],
  },
  { method: 'GET', path: '/v1/exports/progress', url: () => '/v1/exports/progress?to=2026-13-01&format=pdf', paths: ['query.to', 'query.format'] },
  { method: 'POST', path: '/v1/measurements/{id}/void', url: () => '/v1/measurements/msr_x/void', payload: { reason: '' }, paths: ['body.reason'] },
  { method: 'GET', path: '/v1/metrics/{key}/definitions', url: () => '/v1/metrics/win_rate/definitions?limit=0', paths: ['query.limit'] },
  {
    method: 'GET',
    path: '/v1/metrics/{key}/series',
    url: () => '/v1/metrics/win_rate/series?interval=year&from=never&to=2026-13-01',
    paths: ['query.interval', 'query.from', 'query.to'],
  },
  {
    method: 'GET',
    path: '/v1/metrics/{key}/comparison',
    url: () => '/v1/metrics/win_rate/comparison?current_only=yes&iteration_status=done&initiative_status=paused',
    paths: ['query.current_only', 'query.iteration_status', 'query.initiative_status'],
  },
  { method: 'GET', path: '/v1/learnings', url: () => '/v1/learnings?result=proven&limit=0&format=xml', paths: ['query.result', 'query.limit', 'query.format'] },
  {
    method: 'PUT',
    path: '/v1/policy',
    url: () => '/v1/policy',
    payload: { checkin_interval_days: 0, max_timebox_days: 2.5, required_initiative_attributes: ['x', 'x'], version: 2 },
    paths: ['body.checkin_interval_days', 'body.max_timebox_days', 'body.required_initiative_attributes', 'body.version'],
  },
  { method: 'GET', path: '/v1/policy/violations', url: () => '/v1/policy/violations?rule=be_nice&limit=0', paths: ['query.rule', 'query.limit'] },
  {
    method: 'PUT',
    path: '/v1/iterations/{id}/retrospective',
    url: (i) => `/v1/iterations/${i.iteration}/retrospective`,
    payload: { went_well: [''], learnings: [{ observed: 'o' }], decision: 'maybe', frozen_at: null },
    paths: ['body.went_well.0', 'body.learnings.0.learned', 'body.decision', 'body.frozen_at'],
  },
  {
    method: 'POST',
    path: '/v1/iterations/{id}/action-items',
    url: (i) => `/v1/iterations/${i.iteration}/action-items`,
    payload: { title: '', due_on: 'tomorrow', status: 'done' },
    paths: ['body.title', 'body.due_on', 'body.status'],
  },
  { method: 'GET', path: '/v1/iterations/{id}/action-items', url: (i) => `/v1/iterations/${i.iteration}/action-items?status=todo`, paths: ['query.status'] },
  { method: 'GET', path: '/v1/action-items', url: () => '/v1/action-items?recurring=1&status=later&owner=', paths: ['query.recurring', 'query.status', 'query.owner'] },
  { method: 'PATCH', path: '/v1/action-items/{id}', url: () => '/v1/action-items/aci_x', payload: { owner: 7, times_carried: 0 }, paths: ['body.owner', 'body.times_carried'] },
];

let t: TestApp;
let ids: Ids;
beforeAll(async () => {
  t = await makeApp();
  const { team, theme, initiative, iteration } = await createStartedIteration(t);
  const other = await createInitiative(t, { team: team.key });
  const review = await createIteration(t, other.key);
  await transitionIteration(t, review.id, 'start');
  await transitionIteration(t, review.id, 'review');
  ids = { team: team.key, theme: theme.key, initiative: initiative.key, iteration: iteration.id, review: review.id };
});
afterAll(() => t.close());

describe('validation failures name the field', () => {
  it.each(CASES.map((c) => [`${c.method} ${c.path}`, c] as const))('%s', async (_name, c) => {
    const before = (t.db.$client.prepare('SELECT count(*) AS n FROM activity').get() as { n: number }).n;
    const res = await t.call({ method: c.method, url: c.url(ids), payload: c.payload as Record<string, unknown> | undefined });
    const problem = expectProblem(res, 400, 'validation_failed');
    const named = (problem.errors ?? []).map((e) => e.path);
    for (const path of c.paths) expect(named, res.body).toContain(path);
    for (const e of problem.errors ?? []) expect(e.message.length).toBeGreaterThan(0);
    const after = (t.db.$client.prepare('SELECT count(*) AS n FROM activity').get() as { n: number }).n;
    expect(after).toBe(before);
  });

  it('covers every operation that takes a body, query parameters or typed path parameters', async () => {
    const doc = (await t.call({ method: 'GET', url: '/openapi.json', key: null })).json() as {
      paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ in: string; schema?: { type?: string } }> }>>;
    };
    const needed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody || op.parameters?.some((p) => p.in === 'query' || p.schema?.type === 'integer'))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    const covered = new Set(CASES.map((c) => `${c.method} ${c.path}`));
    expect(needed.filter((op) => !covered.has(op))).toEqual([]);
  });
});
