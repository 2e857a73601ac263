import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ActivityPage } from '../../src/modules/activity/activity.schemas';
import { ActionItemPage, ActionItemSchema } from '../../src/modules/action-items/action-items.schemas';
import { RetrospectiveSchema } from '../../src/modules/retrospectives/retrospectives.schemas';
import { ApiKeyPage, ApiKeySchema, CreatedApiKeySchema } from '../../src/modules/api-keys/api-keys.schemas';
import { PolicySchema, PolicyViolationPage } from '../../src/modules/policy/policy.schemas';
import { CheckInPage, CheckInSchema } from '../../src/modules/check-ins/check-ins.schemas';
import { HypothesisPage, HypothesisSchema } from '../../src/modules/hypotheses/hypotheses.schemas';
import { InitiativePage, InitiativeSchema, type Initiative } from '../../src/modules/initiatives/initiatives.schemas';
import { InitiativeProgressSchema } from '../../src/modules/progress/progress.schemas';
import { DashboardRoadmapSchema, DashboardSummarySchema } from '../../src/modules/dashboard/dashboard.schemas';
import {
  CreatedIterationSchema,
  IterationDiffSchema,
  IterationPage,
  IterationSchema,
  type Iteration,
} from '../../src/modules/iterations/iterations.schemas';
import { MeasurementPage, MeasurementSchema } from '../../src/modules/measurements/measurements.schemas';
import { MeasurementExport, ProgressExport } from '../../src/modules/exports/exports.schemas';
import { MetricDefinitionPage, MetricPage, MetricSchema } from '../../src/modules/metrics/metrics.schemas';
import { MetricSeriesSchema } from '../../src/modules/metric-series/metric-series.schemas';
import { MetricComparisonSchema } from '../../src/modules/metric-series/metric-comparison.schemas';
import { LearningsPage } from '../../src/modules/learnings/learnings.schemas';
import { teamSchemas } from '../../src/modules/teams/teams.module';
import { TrackedMetricPage, TrackedMetricSchema } from '../../src/modules/tracked-metrics/tracked-metrics.schemas';
import { themeSchemas } from '../../src/modules/themes/themes.module';
import { ADMIN_KEY, makeApp, type TestApp } from '../helpers/app';
import {
  createInitiative,
  createIteration,
  createKey,
  createMetric,
  createTeam,
  createTheme,
  transitionIteration,
  uniqueKey,
} from '../helpers/factories';
import { expectProblem } from '../helpers/problems';

/**
 * Every /v1 operation x every kind of caller. Rows name the operation by its OpenAPI method and
 * path template; a completeness test fails when the OpenAPI document has an operation without a row.
 */

const ROLES = ['none', 'unknown', 'revoked', 'viewer', 'editorA', 'editorB', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Fixtures {
  teamA: { id: string; key: string };
  teamB: { id: string; key: string };
  theme: { id: string; key: string };
  /** Team A's initiative: v1 under_construction, v2 planned. */
  initiativeA: Initiative;
  activeA: Iteration;
  plannedA: Iteration;
  /** Team B's initiative, with v1 under_construction. */
  initiativeB: Initiative;
  activeB: Iteration;
  viewerKeyId: string;
  keys: Record<Role, string | null>;
}

interface Request {
  params?: Record<string, string | number>;
  payload?: Record<string, unknown>;
}

interface Row {
  name: string;
  method: Method;
  /** The OpenAPI path template; `{param}` segments are filled from `prepare`'s params. */
  path: string;
  expect: Record<Exclude<Role, 'none' | 'unknown' | 'revoked'>, number>;
  /** Builds the request; write rows that would disturb later cases create fresh objects here. */
  prepare: (f: Fixtures) => Promise<Request> | Request;
  /** The schema a successful response body satisfies. */
  schema?: z.ZodType;
}

// The expected status per role, by who may call the operation.
const anyReader = (ok: number) => ({ viewer: ok, editorA: ok, editorB: ok, admin: ok });
const adminOnly = (ok: number) => ({ viewer: 403, editorA: 403, editorB: 403, admin: ok });
const teamA = (ok: number) => ({ viewer: 403, editorA: ok, editorB: 403, admin: ok });
const teamB = (ok: number) => ({ viewer: 403, editorA: 403, editorB: ok, admin: ok });

// Helpers that build fresh objects as the admin, for write rows whose success changes state.
let t: TestApp;
const freshInitiative = (team: { key: string }) => createInitiative(t, { team: team.key });
/** A fresh central metric tracked (as the admin) by the given iteration; returns the path params of it. */
async function freshTracked(iterationId: string): Promise<{ id: string; metric_key: string }> {
  const metric = await createMetric(t);
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/metrics`, payload: { metric: metric.key, baseline: 1, target: 2 } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: iterationId, metric_key: metric.key };
}
async function freshIteration(team: { key: string }, actions: ('start' | 'review')[] = []): Promise<Iteration> {
  const initiative = await freshInitiative(team);
  let it: Iteration = await createIteration(t, initiative.id);
  for (const action of actions) it = await transitionIteration(t, it.id, action);
  return it;
}

/** A fresh hypothesis (as the admin) on a fresh central metric in the given iteration; returns its id. */
async function freshHypothesis(iterationId: string): Promise<string> {
  const payload = { statement: 'We believe that it works', metric: (await createMetric(t)).key, operator: 'gte', threshold: 1 };
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/hypotheses`, payload });
  expect(res.statusCode, res.body).toBe(201);
  return HypothesisSchema.parse(res.json()).id;
}

/** A fresh action item (as the admin) in the given iteration; returns its id. */
async function freshActionItem(iterationId: string): Promise<string> {
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/action-items`, payload: { title: 'Follow up' } });
  expect(res.statusCode, res.body).toBe(201);
  return ActionItemSchema.parse(res.json()).id;
}

const RETRO = { went_well: ['Shipped'], learnings: [{ observed: 'o', learned: 'l' }], decision: 'persevere' };

async function freshMeasurement(f: Fixtures): Promise<string> {
  const payload = { metric: (await createMetric(t)).key, initiative: f.initiativeA.key, value: 1 };
  return MeasurementSchema.parse((await t.call({ method: 'POST', url: '/v1/measurements', payload })).json()).id;
}

const ROWS: Row[] = [
  // API keys: admins only, reads included.
  {
    name: 'create an API key',
    method: 'POST',
    path: '/v1/api-keys',
    expect: adminOnly(201),
    prepare: () => ({ payload: { name: uniqueKey('bot'), role: 'viewer' } }),
    schema: CreatedApiKeySchema,
  },
  { name: 'list API keys', method: 'GET', path: '/v1/api-keys', expect: adminOnly(200), prepare: () => ({}), schema: ApiKeyPage },
  {
    name: 'get an API key',
    method: 'GET',
    path: '/v1/api-keys/{id}',
    expect: adminOnly(200),
    prepare: (f) => ({ params: { id: f.viewerKeyId } }),
    schema: ApiKeySchema,
  },
  {
    name: 'revoke an API key',
    method: 'DELETE',
    path: '/v1/api-keys/{id}',
    expect: adminOnly(204),
    prepare: async () => ({ params: { id: (await createKey(t, 'viewer')).id } }),
  },

  // Teams and themes: anyone reads, admins write.
  ...(['teams', 'themes'] as const).flatMap((plural): Row[] => {
    const schemas = plural === 'teams' ? teamSchemas : themeSchemas;
    const fresh = () => (plural === 'teams' ? createTeam(t) : createTheme(t));
    return [
      {
        name: `create a ${plural.slice(0, -1)}`,
        method: 'POST',
        path: `/v1/${plural}`,
        expect: adminOnly(201),
        prepare: () => ({ payload: { key: uniqueKey(plural), name: 'New' } }),
        schema: schemas.Entity,
      },
      { name: `list ${plural}`, method: 'GET', path: `/v1/${plural}`, expect: anyReader(200), prepare: () => ({}), schema: schemas.Page },
      {
        name: `get a ${plural.slice(0, -1)}`,
        method: 'GET',
        path: `/v1/${plural}/{id}`,
        expect: anyReader(200),
        prepare: (f) => ({ params: { id: plural === 'teams' ? f.teamA.key : f.theme.id } }),
        schema: schemas.Entity,
      },
      {
        name: `rename a ${plural.slice(0, -1)}`,
        method: 'PATCH',
        path: `/v1/${plural}/{id}`,
        expect: adminOnly(200),
        prepare: async () => ({ params: { id: (await fresh()).id }, payload: { name: 'Renamed' } }),
        schema: schemas.Entity,
      },
      {
        name: `delete a ${plural.slice(0, -1)}`,
        method: 'DELETE',
        path: `/v1/${plural}/{id}`,
        expect: adminOnly(204),
        prepare: async () => ({ params: { id: (await fresh()).key } }),
      },
    ];
  }),

  // Initiatives: anyone reads; admins and editors of the initiative's team write.
  {
    name: "create an initiative in team A",
    method: 'POST',
    path: '/v1/initiatives',
    expect: teamA(201),
    prepare: (f) => ({ payload: { key: uniqueKey('ini'), title: 'New', team: f.teamA.key, theme: f.theme.key } }),
    schema: InitiativeSchema,
  },
  {
    name: "create an initiative in team B",
    method: 'POST',
    path: '/v1/initiatives',
    expect: teamB(201),
    prepare: (f) => ({ payload: { key: uniqueKey('ini'), title: 'New', team: f.teamB.id } }),
    schema: InitiativeSchema,
  },
  { name: 'list initiatives', method: 'GET', path: '/v1/initiatives', expect: anyReader(200), prepare: () => ({}), schema: InitiativePage },
  {
    name: "get team A's initiative",
    method: 'GET',
    path: '/v1/initiatives/{id}',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.initiativeA.key } }),
    schema: InitiativeSchema,
  },
  {
    name: "team A's initiative version by version",
    method: 'GET',
    path: '/v1/initiatives/{id}/progress',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.initiativeA.key } }),
    schema: InitiativeProgressSchema,
  },
  {
    name: "update team A's initiative",
    method: 'PATCH',
    path: '/v1/initiatives/{id}',
    expect: teamA(200),
    prepare: (f) => ({ params: { id: f.initiativeA.id }, payload: { title: `Title ${uniqueKey('t')}` } }),
    schema: InitiativeSchema,
  },
  {
    name: "update team B's initiative",
    method: 'PATCH',
    path: '/v1/initiatives/{id}',
    expect: teamB(200),
    prepare: (f) => ({ params: { id: f.initiativeB.key }, payload: { tags: [uniqueKey('tag')] } }),
    schema: InitiativeSchema,
  },
  {
    name: "move team A's initiative to team B",
    method: 'PATCH',
    path: '/v1/initiatives/{id}',
    expect: { viewer: 403, editorA: 403, editorB: 403, admin: 200 },
    prepare: async (f) => ({ params: { id: (await freshInitiative(f.teamA)).id }, payload: { team: f.teamB.key } }),
    schema: InitiativeSchema,
  },
  {
    name: "archive team A's initiative",
    method: 'DELETE',
    path: '/v1/initiatives/{id}',
    expect: teamA(204),
    prepare: async (f) => ({ params: { id: (await freshInitiative(f.teamA)).key } }),
  },
  {
    name: "archive team B's initiative",
    method: 'DELETE',
    path: '/v1/initiatives/{id}',
    expect: teamB(204),
    prepare: async (f) => ({ params: { id: (await freshInitiative(f.teamB)).id } }),
  },

  // Iterations: reads for all; writes for the initiative's team.
  {
    name: "plan an iteration of team A's initiative",
    method: 'POST',
    path: '/v1/initiatives/{id}/iterations',
    expect: teamA(201),
    prepare: (f) => ({ params: { id: f.initiativeA.key }, payload: { goal: 'More', carry_over: false } }),
    schema: CreatedIterationSchema,
  },
  {
    name: "plan an iteration of team B's initiative",
    method: 'POST',
    path: '/v1/initiatives/{id}/iterations',
    expect: teamB(201),
    prepare: (f) => ({ params: { id: f.initiativeB.id }, payload: { carry_over: false } }),
    schema: CreatedIterationSchema,
  },
  {
    name: "list team A's iterations",
    method: 'GET',
    path: '/v1/initiatives/{id}/iterations',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.initiativeA.id } }),
    schema: IterationPage,
  },
  {
    name: 'diff two versions',
    method: 'GET',
    path: '/v1/initiatives/{id}/iterations/{a}/diff/{b}',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.initiativeA.key, a: 1, b: 2 } }),
    schema: IterationDiffSchema,
  },
  {
    name: "get team A's iteration",
    method: 'GET',
    path: '/v1/iterations/{id}',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.activeA.id } }),
    schema: IterationSchema,
  },
  {
    name: "update team A's planned iteration",
    method: 'PATCH',
    path: '/v1/iterations/{id}',
    expect: teamA(200),
    prepare: (f) => ({ params: { id: f.plannedA.id }, payload: { goal: `Goal ${uniqueKey('g')}` } }),
    schema: IterationSchema,
  },
  {
    name: "update team B's iteration",
    method: 'PATCH',
    path: '/v1/iterations/{id}',
    expect: teamB(200),
    prepare: (f) => ({ params: { id: f.activeB.id }, payload: { goal: `Goal ${uniqueKey('g')}` } }),
    schema: IterationSchema,
  },
  {
    name: "start team A's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/start',
    expect: teamA(200),
    prepare: async (f) => ({ params: { id: (await freshIteration(f.teamA)).id } }),
    schema: IterationSchema,
  },
  {
    name: "start team B's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/start',
    expect: teamB(200),
    prepare: async (f) => ({ params: { id: (await freshIteration(f.teamB)).id } }),
    schema: IterationSchema,
  },
  {
    name: "send team A's iteration to review",
    method: 'POST',
    path: '/v1/iterations/{id}/review',
    expect: teamA(200),
    prepare: async (f) => ({ params: { id: (await freshIteration(f.teamA, ['start'])).id } }),
    schema: IterationSchema,
  },
  {
    name: "close team A's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/close',
    expect: teamA(200),
    prepare: async (f) => ({
      params: { id: (await freshIteration(f.teamA, ['start', 'review'])).id },
      payload: { decision: 'persevere', outcome: 'Keep going' },
    }),
    schema: IterationSchema,
  },
  {
    name: "abandon team A's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/abandon',
    expect: teamA(200),
    prepare: async (f) => ({ params: { id: (await freshIteration(f.teamA)).id }, payload: { reason: 'Superseded' } }),
    schema: IterationSchema,
  },
  {
    name: "carry open items into team A's version planned ahead",
    method: 'POST',
    path: '/v1/iterations/{id}/carry-over',
    expect: teamA(200),
    prepare: async (f) => {
      const first = await freshIteration(f.teamA);
      const next = await createIteration(t, first.initiative.id, { carry_over: false });
      await transitionIteration(t, first.id, 'abandon');
      return { params: { id: next.id } };
    },
    schema: CreatedIterationSchema,
  },

  // Check-ins.
  {
    name: "check in on team A's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/check-ins',
    expect: teamA(201),
    prepare: (f) => ({ params: { id: f.activeA.id }, payload: { health: 'on_track', note: 'fine' } }),
    schema: CheckInSchema,
  },
  {
    name: "check in on team B's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/check-ins',
    expect: teamB(201),
    prepare: (f) => ({ params: { id: f.activeB.id }, payload: { health: 'at_risk' } }),
    schema: CheckInSchema,
  },
  {
    name: "list team A's check-ins",
    method: 'GET',
    path: '/v1/iterations/{id}/check-ins',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.activeA.id } }),
    schema: CheckInPage,
  },
  {
    name: 'get one check-in',
    method: 'GET',
    path: '/v1/check-ins/{id}',
    expect: anyReader(200),
    prepare: async (f) => {
      const res = await t.call({ method: 'POST', url: `/v1/iterations/${f.activeA.id}/check-ins`, payload: { health: 'on_track' } });
      return { params: { id: CheckInSchema.parse(res.json()).id } };
    },
    schema: CheckInSchema,
  },

  // Hypotheses: anyone reads; the initiative's team and admins write.
  {
    name: "state a hypothesis in team A's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/hypotheses',
    expect: teamA(201),
    prepare: async (f) => ({
      params: { id: f.activeA.id },
      payload: { statement: 'We believe that it works', metric: (await createMetric(t)).key, operator: 'gte', threshold: 1 },
    }),
    schema: HypothesisSchema,
  },
  {
    name: "state a hypothesis in team B's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/hypotheses',
    expect: teamB(201),
    prepare: async (f) => ({
      params: { id: f.activeB.id },
      payload: { statement: 'We believe that it works', metric: (await createMetric(t)).key, operator: 'reach_target' },
    }),
    schema: HypothesisSchema,
  },
  {
    name: "list team A's hypotheses",
    method: 'GET',
    path: '/v1/iterations/{id}/hypotheses',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.activeA.id } }),
    schema: HypothesisPage,
  },
  {
    name: 'get a hypothesis',
    method: 'GET',
    path: '/v1/hypotheses/{id}',
    expect: anyReader(200),
    prepare: async (f) => ({ params: { id: await freshHypothesis(f.activeB.id) } }),
    schema: HypothesisSchema,
  },
  {
    name: "edit a hypothesis of team A",
    method: 'PATCH',
    path: '/v1/hypotheses/{id}',
    expect: teamA(200),
    prepare: async (f) => ({ params: { id: await freshHypothesis(f.plannedA.id) }, payload: { threshold: 2 } }),
    schema: HypothesisSchema,
  },
  {
    name: "edit a hypothesis of team B",
    method: 'PATCH',
    path: '/v1/hypotheses/{id}',
    expect: teamB(200),
    prepare: async (f) => ({ params: { id: await freshHypothesis(f.activeB.id) }, payload: { evidence: 'Pilot' } }),
    schema: HypothesisSchema,
  },
  {
    name: "conclude a hypothesis of team A",
    method: 'POST',
    path: '/v1/hypotheses/{id}/conclude',
    expect: teamA(200),
    prepare: async (f) => ({
      params: { id: await freshHypothesis(f.activeA.id) },
      payload: { result: 'inconclusive', override_reason: 'No data yet' },
    }),
    schema: HypothesisSchema,
  },

  // Measurements: anyone reads; editors of the initiative's team and admins record and void.
  {
    name: 'record a measurement',
    method: 'POST',
    path: '/v1/measurements',
    expect: teamA(201),
    prepare: async (f) => ({ payload: { metric: (await createMetric(t)).key, initiative: f.initiativeA.key, value: 1 } }),
    schema: MeasurementSchema,
  },
  { name: 'list measurements', method: 'GET', path: '/v1/measurements', expect: anyReader(200), prepare: () => ({}), schema: MeasurementPage },
  {
    name: 'get a measurement',
    method: 'GET',
    path: '/v1/measurements/{id}',
    expect: anyReader(200),
    prepare: async (f) => ({ params: { id: await freshMeasurement(f) } }),
    schema: MeasurementSchema,
  },
  {
    name: 'void a measurement',
    method: 'POST',
    path: '/v1/measurements/{id}/void',
    expect: teamA(200),
    prepare: async (f) => ({ params: { id: await freshMeasurement(f) }, payload: { reason: 'wrong' } }),
    schema: MeasurementSchema,
  },

  // Metrics: anyone reads; admins write central metrics, editors their team's; admins promote.
  { name: 'list metrics', method: 'GET', path: '/v1/metrics', expect: anyReader(200), prepare: () => ({}), schema: MetricPage },
  {
    name: 'create a central metric',
    method: 'POST',
    path: '/v1/metrics',
    expect: adminOnly(201),
    prepare: () => ({ payload: { key: uniqueKey('met'), name: 'New', unit: 'count', direction: 'increase', aggregation: 'sum' } }),
    schema: MetricSchema,
  },
  {
    name: 'create a team A metric',
    method: 'POST',
    path: '/v1/metrics',
    expect: teamA(201),
    prepare: (f) => ({
      payload: { key: uniqueKey('met'), name: 'New', unit: 'percent', direction: 'increase', aggregation: 'latest', team: f.teamA.key },
    }),
    schema: MetricSchema,
  },
  {
    name: 'create a team B metric',
    method: 'POST',
    path: '/v1/metrics',
    expect: teamB(201),
    prepare: (f) => ({
      payload: { key: uniqueKey('met'), name: 'New', unit: 'days', direction: 'decrease', aggregation: 'average', scope: 'team', team: f.teamB.id },
    }),
    schema: MetricSchema,
  },
  {
    name: "get team B's metric",
    method: 'GET',
    path: '/v1/metrics/{key}',
    expect: anyReader(200),
    prepare: async (f) => ({ params: { key: (await createMetric(t, { team: f.teamB.key })).key } }),
    schema: MetricSchema,
  },
  {
    name: 'update a central metric',
    method: 'PATCH',
    path: '/v1/metrics/{key}',
    expect: adminOnly(200),
    prepare: async () => ({ params: { key: (await createMetric(t)).key }, payload: { name: 'Renamed' } }),
    schema: MetricSchema,
  },
  {
    name: "update team A's metric",
    method: 'PATCH',
    path: '/v1/metrics/{key}',
    expect: teamA(200),
    prepare: async (f) => ({ params: { key: (await createMetric(t, { team: f.teamA.key })).key }, payload: { aggregation: 'max' } }),
    schema: MetricSchema,
  },
  {
    name: "promote team A's metric to central",
    method: 'POST',
    path: '/v1/metrics/{key}/promote',
    expect: adminOnly(200),
    prepare: async (f) => ({ params: { key: (await createMetric(t, { team: f.teamA.key })).key } }),
    schema: MetricSchema,
  },
  {
    name: "list a metric's definitions",
    method: 'GET',
    path: '/v1/metrics/{key}/definitions',
    expect: anyReader(200),
    prepare: async (f) => ({ params: { key: (await createMetric(t, { team: f.teamA.key })).id } }),
    schema: MetricDefinitionPage,
  },

  // Metric series and comparison, learnings: dashboard reads, anyone reads.
  {
    name: "a metric's series",
    method: 'GET',
    path: '/v1/metrics/{key}/series',
    expect: anyReader(200),
    prepare: async (f) => ({ params: { key: (await createMetric(t, { team: f.teamB.key })).key } }),
    schema: MetricSeriesSchema,
  },
  {
    name: "a metric's comparison across teams",
    method: 'GET',
    path: '/v1/metrics/{key}/comparison',
    expect: anyReader(200),
    prepare: async (f) => ({ params: { key: (await freshTracked(f.activeA.id)).metric_key } }),
    schema: MetricComparisonSchema,
  },
  { name: 'list learnings', method: 'GET', path: '/v1/learnings', expect: anyReader(200), prepare: () => ({}), schema: LearningsPage },

  // Tracked metrics: anyone reads; the initiative's team and admins write.
  {
    name: "track a metric in team A's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/metrics',
    expect: teamA(201),
    prepare: async (f) => ({ params: { id: f.activeA.id }, payload: { metric: (await createMetric(t)).key, baseline: 0.18, target: 0.25 } }),
    schema: TrackedMetricSchema,
  },
  {
    name: "track a metric in team B's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/metrics',
    expect: teamB(201),
    prepare: async (f) => ({ params: { id: f.activeB.id }, payload: { metric: (await createMetric(t)).key } }),
    schema: TrackedMetricSchema,
  },
  {
    name: "list team A's tracked metrics",
    method: 'GET',
    path: '/v1/iterations/{id}/metrics',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.activeA.id } }),
    schema: TrackedMetricPage,
  },
  {
    name: "get a tracked metric of team A's iteration",
    method: 'GET',
    path: '/v1/iterations/{id}/metrics/{metric_key}',
    expect: anyReader(200),
    prepare: async (f) => ({ params: await freshTracked(f.activeA.id) }),
    schema: TrackedMetricSchema,
  },
  {
    name: "move a target in team A's iteration",
    method: 'PATCH',
    path: '/v1/iterations/{id}/metrics/{metric_key}',
    expect: teamA(200),
    prepare: async (f) => ({ params: await freshTracked(f.plannedA.id), payload: { target: 3 } }),
    schema: TrackedMetricSchema,
  },
  {
    name: "move a target in team B's iteration",
    method: 'PATCH',
    path: '/v1/iterations/{id}/metrics/{metric_key}',
    expect: teamB(200),
    prepare: async (f) => ({ params: await freshTracked(f.activeB.id), payload: { baseline: 0 } }),
    schema: TrackedMetricSchema,
  },
  {
    name: "untrack a metric in team A's iteration",
    method: 'DELETE',
    path: '/v1/iterations/{id}/metrics/{metric_key}',
    expect: teamA(204),
    prepare: async (f) => ({ params: await freshTracked(f.activeA.id) }),
  },

  // Retrospectives: anyone reads; the initiative's team and admins write.
  {
    name: "get the retrospective of team A's iteration",
    method: 'GET',
    path: '/v1/iterations/{id}/retrospective',
    expect: anyReader(200),
    prepare: async (f) => {
      const it = await freshIteration(f.teamA, ['start']);
      expect((await t.call({ method: 'PUT', url: `/v1/iterations/${it.id}/retrospective`, payload: RETRO })).statusCode).toBe(201);
      return { params: { id: it.id } };
    },
    schema: RetrospectiveSchema,
  },
  {
    name: "write the retrospective of team A's iteration",
    method: 'PUT',
    path: '/v1/iterations/{id}/retrospective',
    expect: teamA(201),
    prepare: async (f) => ({ params: { id: (await freshIteration(f.teamA, ['start'])).id }, payload: RETRO }),
    schema: RetrospectiveSchema,
  },
  {
    name: "write the retrospective of team B's iteration",
    method: 'PUT',
    path: '/v1/iterations/{id}/retrospective',
    expect: teamB(201),
    prepare: async (f) => ({ params: { id: (await freshIteration(f.teamB, ['start', 'review'])).id }, payload: { decision: 'pivot' } }),
    schema: RetrospectiveSchema,
  },

  // Action items: anyone reads; the initiative's team and admins write.
  {
    name: "add an action item to team A's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/action-items',
    expect: teamA(201),
    prepare: (f) => ({ params: { id: f.activeA.id }, payload: { title: 'Follow up', owner: 'Dana', due_on: '2026-02-15' } }),
    schema: ActionItemSchema,
  },
  {
    name: "add an action item to team B's iteration",
    method: 'POST',
    path: '/v1/iterations/{id}/action-items',
    expect: teamB(201),
    prepare: (f) => ({ params: { id: f.activeB.id }, payload: { title: 'Follow up' } }),
    schema: ActionItemSchema,
  },
  {
    name: "list team A's action items of an iteration",
    method: 'GET',
    path: '/v1/iterations/{id}/action-items',
    expect: anyReader(200),
    prepare: (f) => ({ params: { id: f.activeA.id } }),
    schema: ActionItemPage,
  },
  { name: 'list action items', method: 'GET', path: '/v1/action-items', expect: anyReader(200), prepare: () => ({}), schema: ActionItemPage },
  {
    name: 'get an action item',
    method: 'GET',
    path: '/v1/action-items/{id}',
    expect: anyReader(200),
    prepare: async (f) => ({ params: { id: await freshActionItem(f.activeB.id) } }),
    schema: ActionItemSchema,
  },
  {
    name: "update an action item of team A",
    method: 'PATCH',
    path: '/v1/action-items/{id}',
    expect: teamA(200),
    prepare: async (f) => ({ params: { id: await freshActionItem(f.plannedA.id) }, payload: { status: 'done' } }),
    schema: ActionItemSchema,
  },
  {
    name: "update an action item of team B",
    method: 'PATCH',
    path: '/v1/action-items/{id}',
    expect: teamB(200),
    prepare: async (f) => ({ params: { id: await freshActionItem(f.activeB.id) }, payload: { owner: 'Sam' } }),
    schema: ActionItemSchema,
  },

  // Policy: anyone reads it and its violations; admins replace it.
  { name: 'get the policy', method: 'GET', path: '/v1/policy', expect: anyReader(200), prepare: () => ({}), schema: PolicySchema },
  {
    name: 'replace the policy',
    method: 'PUT',
    path: '/v1/policy',
    expect: adminOnly(200),
    // Each call changes the interval (a harmless rule here), so a successful PUT always writes.
    prepare: async () => {
      const current = PolicySchema.parse((await t.call({ method: 'GET', url: '/v1/policy' })).json());
      return { payload: { checkin_interval_days: current.checkin_interval_days === 7 ? 7.5 : 7 } };
    },
    schema: PolicySchema,
  },
  {
    name: 'list policy violations',
    method: 'GET',
    path: '/v1/policy/violations',
    expect: anyReader(200),
    prepare: () => ({}),
    schema: PolicyViolationPage,
  },

  // Activity.
  { name: 'list activity', method: 'GET', path: '/v1/activity', expect: anyReader(200), prepare: () => ({}), schema: ActivityPage },

  // Dashboard: reads across teams, anyone reads (a viewer key may also come as access_token: test/modules/dashboard).
  { name: 'dashboard summary', method: 'GET', path: '/v1/dashboard/summary', expect: anyReader(200), prepare: () => ({}), schema: DashboardSummarySchema },
  { name: 'dashboard roadmap', method: 'GET', path: '/v1/dashboard/roadmap', expect: anyReader(200), prepare: () => ({}), schema: DashboardRoadmapSchema },

  // Exports: dashboard reads, anyone reads (a viewer key may also come as access_token: test/modules/exports).
  { name: 'export measurements', method: 'GET', path: '/v1/exports/measurements', expect: anyReader(200), prepare: () => ({}), schema: MeasurementExport },
  { name: 'export progress', method: 'GET', path: '/v1/exports/progress', expect: anyReader(200), prepare: () => ({}), schema: ProgressExport },
];

function urlOf(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(String(value));
  });
}

const activityCount = (): number => (t.db.$client.prepare('SELECT count(*) AS n FROM activity').get() as { n: number }).n;

let f: Fixtures;

beforeAll(async () => {
  t = await makeApp();
  const a = await createTeam(t);
  const b = await createTeam(t);
  const theme = await createTheme(t);
  const initiativeA = await createInitiative(t, { team: a.key, theme: theme.key });
  const activeA = await transitionIteration(t, (await createIteration(t, initiativeA.id)).id, 'start');
  const plannedA = await createIteration(t, initiativeA.id, { carry_over: false });
  const initiativeB = await createInitiative(t, { team: b.key });
  const activeB = await transitionIteration(t, (await createIteration(t, initiativeB.id)).id, 'start');

  const viewer = await createKey(t, 'viewer');
  const editorA = await createKey(t, 'editor', [a.key]);
  const editorB = await createKey(t, 'editor', [b.id]);
  const revoked = await createKey(t, 'admin');
  // The revoked key worked before it was revoked, so its 401s are about revocation.
  expect((await t.call({ method: 'GET', url: '/v1/api-keys', key: revoked.secret })).statusCode).toBe(200);
  expect((await t.call({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}` })).statusCode).toBe(204);

  f = {
    teamA: a,
    teamB: b,
    theme,
    initiativeA,
    activeA,
    plannedA,
    initiativeB,
    activeB,
    viewerKeyId: viewer.id,
    keys: {
      none: null,
      unknown: `rw_${'x'.repeat(43)}`,
      revoked: revoked.secret,
      viewer: viewer.secret,
      editorA: editorA.secret,
      editorB: editorB.secret,
      admin: ADMIN_KEY,
    },
  };
});
afterAll(() => t.close());

describe('authorization matrix', () => {
  for (const row of ROWS) {
    describe(`${row.method} ${row.path}: ${row.name}`, () => {
      for (const role of ROLES) {
        const status = role === 'none' || role === 'unknown' || role === 'revoked' ? 401 : row.expect[role];
        it(`${role} -> ${status}`, async () => {
          const req = await row.prepare(f);
          const before = activityCount();
          const res = await t.call({
            method: row.method,
            url: urlOf(row.path, req.params),
            key: f.keys[role],
            ...(req.payload ? { payload: req.payload } : {}),
          });
          const wrote = activityCount() > before;

          if (status === 401) {
            expectProblem(res, 401, 'unauthorized');
            expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="roadworks"/);
          } else if (status === 403) {
            expectProblem(res, 403, 'forbidden');
          } else {
            expect(res.statusCode, res.body).toBe(status);
            if (row.schema) row.schema.parse(res.json());
            else expect(res.body).toBe('');
          }
          // Refused requests change nothing; successful writes are logged.
          expect(wrote).toBe(row.method !== 'GET' && status < 300);
        });
      }
    });
  }
});

describe('matrix completeness', () => {
  it('has a row for every /v1 operation in the OpenAPI document, and no row for an operation it lacks', async () => {
    const res = await t.call({ method: 'GET', url: '/openapi.json', key: null });
    expect(res.statusCode).toBe(200);
    const paths = res.json().paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, ops]) =>
        Object.keys(ops)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => `${m.toUpperCase()} ${path}`),
      );
    expect(documented.length).toBeGreaterThan(20);
    const covered = new Set(ROWS.map((r) => `${r.method} ${r.path}`));
    expect(documented.filter((op) => !covered.has(op)), 'operations without a matrix row').toEqual([]);
    expect([...covered].filter((op) => !documented.includes(op)), 'matrix rows for undocumented operations').toEqual([]);
  });

  it('every registered /v1 route (from printRoutes) has a row, so an undocumented route cannot slip past', () => {
    // printRoutes draws a tree; a line's depth is its indentation in 4-character steps.
    const stack: string[] = [];
    const registered: string[] = [];
    for (const line of t.app.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^((?:[│ ] {3})*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 4;
      const path = (stack[depth - 1] ?? '') + m[2]!;
      stack[depth] = path;
      if (!path.startsWith('/v1/')) continue;
      for (const method of m[3]!.split(', ')) {
        if (method !== 'HEAD') registered.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
      }
    }
    expect(registered).toContain('POST /v1/iterations/{id}/check-ins');
    expect(registered).toContain('GET /v1/initiatives/{id}/iterations/{a}/diff/{b}');
    const covered = new Set(ROWS.map((r) => `${r.method} ${r.path}`));
    expect(registered.filter((op) => !covered.has(op)), 'registered routes without a matrix row').toEqual([]);
    expect(new Set(registered).size).toBe(covered.size);
  });
});

describe('scope checks that the matrix rows do not reach', () => {
  it('an editor of both teams may move an initiative between them', async () => {
    const both = await createKey(t, 'editor', [f.teamA.key, f.teamB.key]);
    const item = await freshInitiative(f.teamA);
    const res = await t.call({ method: 'PATCH', url: `/v1/initiatives/${item.id}`, key: both.secret, payload: { team: f.teamB.key } });
    expect(res.statusCode, res.body).toBe(200);
    expect(InitiativeSchema.parse(res.json()).team).toEqual({ id: f.teamB.id, key: f.teamB.key });
    // Moved out of team A: team A's editor may no longer write it.
    expectProblem(
      await t.call({ method: 'PATCH', url: `/v1/initiatives/${item.id}`, key: f.keys.editorA, payload: { title: 'x' } }),
      403,
      'forbidden',
    );
  });

  it('a forbidden write does not reveal more than a read would: unknown objects are 404 for everyone who may call the route', async () => {
    for (const role of ['editorA', 'editorB', 'admin'] as const) {
      expectProblem(
        await t.call({ method: 'PATCH', url: '/v1/initiatives/no-such-initiative', key: f.keys[role], payload: { title: 'x' } }),
        404,
        'not_found',
      );
    }
    // The route gate comes first: a viewer learns nothing about existence from a write.
    expectProblem(
      await t.call({ method: 'PATCH', url: '/v1/initiatives/no-such-initiative', key: f.keys.viewer, payload: { title: 'x' } }),
      403,
      'forbidden',
    );
  });

  it('an Authorization header that is not a bearer key is 401', async () => {
    for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer', `Token ${ADMIN_KEY}`]) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/teams', headers: { authorization } });
      expectProblem(res, 401, 'unauthorized');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  // A retry of a transition that already happened is still a write: the team check comes first.
  it("retrying a done transition on another team's iteration is still 403", async () => {
    const building = await freshIteration(f.teamA, ['start']);
    const res = await t.call({ method: 'POST', url: `/v1/iterations/${building.id}/start`, key: f.keys.editorB });
    expectProblem(res, 403, 'forbidden');
  });
});
