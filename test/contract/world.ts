import { expect } from 'vitest';
import type { TestApp } from '../helpers/app';
import {
  createActionItem,
  createInitiative,
  createIteration,
  createKey,
  createMetric,
  createTeam,
  createTheme,
  putRetrospective,
  transitionIteration,
} from '../helpers/factories';

/**
 * One object of every kind the API serves, so that any operation's path template can be filled
 * with ids that exist: an initiative whose v1 is under construction (a tracked metric, a
 * hypothesis, an action item, a check-in, a retrospective and a measurement) and whose v2 is planned.
 */
export interface World {
  ids: Record<string, string>;
  metricKey: string;
}

async function created(t: TestApp, url: string, payload: Record<string, unknown>): Promise<string> {
  const res = await t.call({ method: 'POST', url, payload });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(201);
  return (res.json() as { id: string }).id;
}

export async function buildWorld(t: TestApp): Promise<World> {
  const team = await createTeam(t);
  const theme = await createTheme(t);
  const metric = await createMetric(t);
  const key = await createKey(t, 'viewer');
  const initiative = await createInitiative(t, { team: team.key, theme: theme.key });
  const v1 = await createIteration(t, initiative.id);
  await transitionIteration(t, v1.id, 'start');
  await createIteration(t, initiative.id, { carry_over: false });
  await created(t, `/v1/iterations/${v1.id}/metrics`, { metric: metric.key, baseline: 1, target: 2 });
  const hypothesis = await created(t, `/v1/iterations/${v1.id}/hypotheses`, { statement: 'We believe that it works', metric: metric.key, operator: 'gte', threshold: 1 });
  const checkIn = await created(t, `/v1/iterations/${v1.id}/check-ins`, { health: 'on_track', note: 'Going well' });
  const measurement = await created(t, '/v1/measurements', { metric: metric.key, iteration: v1.id, value: 1 });
  const item = await createActionItem(t, v1.id);
  await putRetrospective(t, v1.id, { went_well: ['Shipped'] });
  return {
    metricKey: metric.key,
    ids: {
      'api-keys': key.id,
      teams: team.id,
      themes: theme.id,
      initiatives: initiative.id,
      iterations: v1.id,
      'check-ins': checkIn,
      hypotheses: hypothesis,
      'action-items': item.id,
      measurements: measurement,
    },
  };
}

/**
 * A URL for an OpenAPI path template: `{id}` is the object of the collection before it, `{key}`
 * and `{metric_key}` the metric, `{a}` and `{b}` versions 1 and 2. Without a world, every
 * parameter is a well-formed reference to nothing.
 */
export function urlOf(path: string, world?: World): string {
  return path.replace(/\/([a-z-]+)\/\{(\w+)\}/g, (_m, collection: string, param: string) => {
    const value =
      param === 'a' ? '1' : param === 'b' ? '2' : !world ? 'contract-unknown' : param === 'id' ? world.ids[collection] : world.metricKey;
    if (value === undefined) throw new Error(`No object for {${param}} after /${collection}/ in ${path}`);
    return `/${collection}/${value}`;
  });
}
