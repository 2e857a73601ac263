import { expect } from 'vitest';
import { InitiativeSchema, type Initiative } from '../../src/modules/initiatives/initiatives.schemas';
import { CreatedIterationSchema, IterationSchema, type Iteration } from '../../src/modules/iterations/iterations.schemas';
import type { TestApp } from './app';
import { createTeam, uniqueKey } from './factories';

/** Creates an initiative (in a new team unless one is given) through the API. */
export async function createInitiative(t: TestApp, overrides: Record<string, unknown> = {}, key?: string): Promise<Initiative> {
  const team = overrides.team ?? (await createTeam(t)).key;
  const payload = { key: uniqueKey('ini'), title: 'Score inbound leads', ...overrides, team };
  const res = await t.call({ method: 'POST', url: '/v1/initiatives', payload, key });
  expect(res.statusCode, res.body).toBe(201);
  return InitiativeSchema.parse(res.json());
}

export async function createIteration(t: TestApp, initiative: string, payload: Record<string, unknown> = {}, key?: string) {
  const res = await t.call({ method: 'POST', url: `/v1/initiatives/${initiative}/iterations`, payload, key });
  expect(res.statusCode, res.body).toBe(201);
  return CreatedIterationSchema.parse(res.json());
}

/** Runs a lifecycle action and expects it to succeed. */
export async function act(t: TestApp, iterationId: string, action: string, payload?: Record<string, unknown>): Promise<Iteration> {
  const res = await t.call({ method: 'POST', url: `/v1/iterations/${iterationId}/${action}`, payload });
  expect(res.statusCode, res.body).toBe(200);
  return IterationSchema.parse(res.json());
}
