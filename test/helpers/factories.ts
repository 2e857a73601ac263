import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { z } from 'zod';
import type { Role } from '../../src/lib/context';
import { CreatedApiKeySchema } from '../../src/modules/api-keys/api-keys.schemas';
import type { NamedEntity } from '../../src/modules/shared/named-resource.schemas';
import { teamSchemas } from '../../src/modules/teams/teams.module';
import { themeSchemas } from '../../src/modules/themes/themes.module';
import { InitiativeSchema, type CreateInitiativeBody, type Initiative } from '../../src/modules/initiatives/initiatives.schemas';
import { CreatedIterationSchema, IterationSchema, type Iteration } from '../../src/modules/iterations/iterations.schemas';
import { MetricSchema, type CreateMetricBody, type Metric } from '../../src/modules/metrics/metrics.schemas';

type CreatedIteration = z.infer<typeof CreatedIterationSchema>;
import type { TestApp } from './app';

let seq = 0;

/** A value no other factory call in this process returns; valid as a human key (lowercase, dashes). */
export function uniqueKey(prefix = 'k'): string {
  seq += 1;
  return `${prefix}-${seq}-${randomBytes(3).toString('hex')}`;
}

export interface NamedOverrides {
  key?: string;
  name?: string;
  description?: string;
}

async function createNamed(t: TestApp, plural: 'teams' | 'themes', overrides: NamedOverrides): Promise<NamedEntity> {
  const key = overrides.key ?? uniqueKey(plural.slice(0, -1));
  const payload = { key, name: `Name of ${key}`, description: `About ${key}`, ...overrides };
  const res = await t.call({ method: 'POST', url: `/v1/${plural}`, payload });
  expect(res.statusCode, res.body).toBe(201);
  const schema = plural === 'teams' ? teamSchemas.Entity : themeSchemas.Entity;
  return schema.parse(res.json());
}

export const createTeam = (t: TestApp, overrides: NamedOverrides = {}) => createNamed(t, 'teams', overrides);
export const createTheme = (t: TestApp, overrides: NamedOverrides = {}) => createNamed(t, 'themes', overrides);

/** A key as its creation shows it: with the secret (only an idempotent replay omits it). */
const FreshApiKeySchema = CreatedApiKeySchema.required({ secret: true });
export type CreatedKey = z.infer<typeof FreshApiKeySchema>;

/** Creates an API key through the API (as the admin) and returns it with its one-time secret. */
export async function createKey(t: TestApp, role: Role, teams: string[] = [], name = uniqueKey(role)): Promise<CreatedKey> {
  const res = await t.call({ method: 'POST', url: '/v1/api-keys', payload: { name, role, teams } });
  expect(res.statusCode, res.body).toBe(201);
  return FreshApiKeySchema.parse(res.json());
}

export type InitiativeOverrides = Partial<z.input<typeof CreateInitiativeBody>>;

/** Creates an initiative through the API (as `key`, the admin by default), in a new team unless one is given. */
export async function createInitiative(t: TestApp, overrides: InitiativeOverrides = {}, key?: string): Promise<Initiative> {
  const team = overrides.team ?? (await createTeam(t)).key;
  const k = overrides.key ?? uniqueKey('ini');
  const res = await t.call({ method: 'POST', url: '/v1/initiatives', key, payload: { key: k, title: `Title of ${k}`, ...overrides, team } });
  expect(res.statusCode, res.body).toBe(201);
  return InitiativeSchema.parse(res.json());
}

/** Plans the next iteration of an initiative (by id or key) through the API; the result says what was carried. */
export async function createIteration(t: TestApp, initiative: string, body: Record<string, unknown> = {}, key?: string): Promise<CreatedIteration> {
  const res = await t.call({ method: 'POST', url: `/v1/initiatives/${initiative}/iterations`, payload: body, key });
  expect(res.statusCode, res.body).toBe(201);
  return CreatedIterationSchema.parse(res.json());
}

/** Runs a lifecycle action (start, review, close, abandon) on an iteration, as the admin. */
export async function transitionIteration(
  t: TestApp,
  iterationId: string,
  action: 'start' | 'review' | 'close' | 'abandon',
  body?: Record<string, unknown>,
): Promise<Iteration> {
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/${action}`, ...(body ? { payload: body } : {}) });
  expect(res.statusCode, res.body).toBe(200);
  return IterationSchema.parse(res.json());
}

/** A team, a theme, and an initiative of that team whose v1 is started: the fixture most route tests need. */
export async function createStartedIteration(t: TestApp) {
  const team = await createTeam(t);
  const theme = await createTheme(t);
  const initiative = await createInitiative(t, { team: team.key });
  const iteration = await createIteration(t, initiative.key);
  await transitionIteration(t, iteration.id, 'start');
  return { team, theme, initiative, iteration };
}

export type MetricOverrides = Partial<z.input<typeof CreateMetricBody>>;

/**
 * Creates a metric through the API (as `key`, the admin by default): a central count metric unless
 * the overrides name a team or scope.
 */
export async function createMetric(t: TestApp, overrides: MetricOverrides = {}, key?: string): Promise<Metric> {
  const k = overrides.key ?? uniqueKey('met');
  const payload = { key: k, name: `Name of ${k}`, unit: 'count', direction: 'increase', aggregation: 'sum', ...overrides };
  const res = await t.call({ method: 'POST', url: '/v1/metrics', key, payload });
  expect(res.statusCode, res.body).toBe(201);
  return MetricSchema.parse(res.json());
}

import { RetrospectiveSchema } from '../../src/modules/retrospectives/retrospectives.schemas';
import { ActionItemSchema } from '../../src/modules/action-items/action-items.schemas';

/** Writes (or, with the ETag of the current one, replaces) an iteration's retrospective through the API; returns it with its ETag. */
export async function putRetrospective(t: TestApp, iterationId: string, body: Record<string, unknown> = {}, opts: { key?: string; ifMatch?: string } = {}) {
  const res = await t.call({
    method: 'PUT',
    url: `/v1/iterations/${iterationId}/retrospective`,
    key: opts.key,
    payload: body,
    headers: opts.ifMatch ? { 'if-match': opts.ifMatch } : {},
  });
  expect([200, 201], res.body).toContain(res.statusCode);
  return { retrospective: RetrospectiveSchema.parse(res.json()), etag: String(res.headers.etag) };
}

/** Adds an action item to an iteration through the API (as `key`, the admin by default). */
export async function createActionItem(t: TestApp, iterationId: string, body: Record<string, unknown> = {}, key?: string) {
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/action-items`, key, payload: { title: uniqueKey('do'), ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return ActionItemSchema.parse(res.json());
}

import { PolicySchema, type Policy, type PutPolicyInput } from '../../src/modules/policy/policy.schemas';

/**
 * Replaces the policy through the API as the admin (rules left out return to their defaults);
 * returns it with its ETag.
 */
export async function putPolicy(t: TestApp, rules: PutPolicyInput = {}): Promise<{ policy: Policy; etag: string }> {
  const res = await t.call({ method: 'PUT', url: '/v1/policy', payload: rules });
  expect(res.statusCode, res.body).toBe(200);
  return { policy: PolicySchema.parse(res.json()), etag: String(res.headers.etag) };
}
