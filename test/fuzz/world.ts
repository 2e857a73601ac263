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
import type { World } from './arbitraries';
import type { Pools } from './schema-values';

/**
 * A small organisation, seeded through the API, for the fuzzer to aim at: three teams, two themes,
 * a catalog with central and team metrics, and initiatives whose iterations are closed, under
 * construction, in review, planned and abandoned, with tracked metrics, hypotheses, check-ins,
 * measurements (one voided, one superseded), a retrospective and action items.
 */

async function send(t: TestApp, method: 'POST' | 'PUT', url: string, payload: unknown, expected = 201): Promise<{ id: string }> {
  const res = await t.call({ method, url, payload: payload as Record<string, unknown> });
  if (res.statusCode !== expected) throw new Error(`Seeding ${method} ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

async function measure(t: TestApp, initiative: string, rows: Array<[metric: string, value: number, hoursAgo: number]>): Promise<string[]> {
  const now = t.clock.now().getTime();
  const payload = rows.map(([metric, value, hoursAgo]) => ({ metric, initiative, value, observed_at: new Date(now - hoursAgo * 3_600_000).toISOString() }));
  const res = await t.call({ method: 'POST', url: '/v1/measurements', payload });
  if (res.statusCode !== 201) throw new Error(`Seeding measurements answered ${res.statusCode}: ${res.body}`);
  return (res.json() as { data: Array<{ id: string }> }).data.map((d) => d.id);
}

async function activeIteration(t: TestApp, initiative: string, metrics: Array<[key: string, baseline: number, target: number]>) {
  const iteration = await createIteration(t, initiative, { goal: `Move ${metrics.map(([k]) => k).join(' and ')}` });
  for (const [metric, baseline, target] of metrics) await send(t, 'POST', `/v1/iterations/${iteration.id}/metrics`, { metric, baseline, target });
  await send(t, 'POST', `/v1/iterations/${iteration.id}/hypotheses`, { statement: `We believe that ${initiative} moves ${metrics[0]?.[0]}`, metric: metrics[0]?.[0], operator: 'reach_target' });
  await transitionIteration(t, iteration.id, 'start');
  await send(t, 'POST', `/v1/iterations/${iteration.id}/check-ins`, { health: 'on_track', note: 'Kick-off done' });
  return iteration;
}

export async function seedWorld(t: TestApp): Promise<World> {
  const revops = await createTeam(t, { key: 'revops', name: 'Revenue operations' });
  const salesOps = await createTeam(t, { key: 'sales-ops', name: 'Sales operations' });
  const enablement = await createTeam(t, { key: 'enablement', name: 'Enablement' });
  const pipeline = await createTheme(t, { key: 'pipeline-health', name: 'Pipeline health' });
  await createTheme(t, { key: 'retention', name: 'Retention' });

  await createMetric(t, { key: 'win_rate', name: 'Win rate', unit: 'ratio', direction: 'increase', aggregation: 'latest' });
  await createMetric(t, { key: 'deals_won', name: 'Deals won', unit: 'count', direction: 'increase', aggregation: 'sum' });
  await createMetric(t, { key: 'cycle_days', name: 'Sales cycle', unit: 'days', direction: 'decrease', aggregation: 'average' });
  await createMetric(t, { key: 'new_arr', name: 'New ARR', unit: 'currency', currency_code: 'EUR', direction: 'increase', aggregation: 'sum' });
  await createMetric(t, { key: 'revops_calls', name: 'Discovery calls', unit: 'count', direction: 'increase', aggregation: 'max', team: revops.key });

  const editor = await createKey(t, 'editor', [revops.key, salesOps.key], 'fuzz-editor');
  const otherEditor = await createKey(t, 'editor', [enablement.key], 'fuzz-other-editor');
  const viewer = await createKey(t, 'viewer', [], 'fuzz-viewer');
  // Keys the fuzzer may revoke; the ones it sends stay out of its reach.
  await createKey(t, 'viewer', [], 'fuzz-expendable-1');
  await createKey(t, 'editor', [salesOps.key], 'fuzz-expendable-2');

  // lead-scoring: v1 closed (persevere), v2 under construction with what v1 carried over.
  await createInitiative(t, { key: 'lead-scoring', title: 'Lead scoring', team: revops.key, theme: pipeline.key, tags: ['scoring'] });
  const v1 = await activeIteration(t, 'lead-scoring', [['win_rate', 0.18, 0.25], ['deals_won', 0, 40]]);
  t.clock.advanceDays(3);
  const [typo] = await measure(t, 'lead-scoring', [['win_rate', 0.19, 60], ['win_rate', 0.21, 30], ['deals_won', 4, 20], ['deals_won', 7, 2]]);
  await transitionIteration(t, v1.id, 'review');
  await putRetrospective(t, v1.id, { went_well: ['Scores in the CRM'], to_improve: ['Data freshness'], decision: 'persevere' });
  await createActionItem(t, v1.id, { title: 'Refresh scores nightly', owner: 'dana' });
  await transitionIteration(t, v1.id, 'close');
  t.clock.advanceDays(1);
  await transitionIteration(t, (await createIteration(t, 'lead-scoring')).id, 'start');
  t.clock.advanceDays(1);
  await measure(t, 'lead-scoring', [['win_rate', 0.22, 1], ['deals_won', 3, 1], ['revops_calls', 12, 1]]);

  // renewal-playbook: v1 in review; territory-plan: v1 planned; quota-model: v1 abandoned, v2 running.
  await createInitiative(t, { key: 'renewal-playbook', title: 'Renewal playbook', team: salesOps.key, horizon: 'next' });
  const renewal = await activeIteration(t, 'renewal-playbook', [['cycle_days', 45, 30]]);
  t.clock.advanceDays(1);
  await measure(t, 'renewal-playbook', [['cycle_days', 44, 5], ['cycle_days', 41, 2], ['new_arr', 12_000, 1]]);
  await transitionIteration(t, renewal.id, 'review');
  await createInitiative(t, { key: 'territory-plan', title: 'Territory plan', team: salesOps.key, horizon: 'later', attributes: { region: 'emea' } });
  await createIteration(t, 'territory-plan', { goal: 'Balance territories' });
  await createInitiative(t, { key: 'quota-model', title: 'Quota model', team: revops.key });
  await transitionIteration(t, (await createIteration(t, 'quota-model')).id, 'abandon', { reason: 'Superseded by the annual plan' });
  await activeIteration(t, 'quota-model', [['new_arr', 0, 100_000]]);
  t.clock.advanceDays(1);
  const [, corrected] = await measure(t, 'quota-model', [['new_arr', 25_000, 3], ['new_arr', 30_000, 2], ['deals_won', 2, 1]]);
  await createInitiative(t, { key: 'onboarding', title: 'Onboarding', team: enablement.key });

  await send(t, 'POST', `/v1/measurements/${typo}/void`, { reason: 'Entered twice' }, 200);
  await send(t, 'POST', '/v1/measurements', { metric: 'new_arr', initiative: 'quota-model', value: 31_000, supersedes: corrected });

  return {
    pools: poolsOf(t),
    keys: { admin: t.adminKey, editor: editor.secret, otherEditor: otherEditor.secret, viewer: viewer.secret },
    now: () => t.clock.now().getTime(),
  };
}

/** Every id (and key, where there is one) of what was seeded, read back from the database. */
function poolsOf(t: TestApp): Pools {
  const column = (sql: string) => (t.db.$client.prepare(sql).raw().all() as unknown[][]).flat().map(String);
  return {
    team: column('SELECT id, key FROM teams'),
    theme: column('SELECT id, key FROM themes'),
    initiative: column('SELECT id, key FROM initiatives'),
    iteration: column('SELECT id FROM iterations'),
    metric: column('SELECT key FROM metrics'),
    hypothesis: column('SELECT id FROM hypotheses'),
    checkIn: column('SELECT id FROM check_ins'),
    actionItem: column('SELECT id FROM action_items'),
    measurement: column('SELECT id FROM measurements'),
    apiKey: column("SELECT id FROM api_keys WHERE name LIKE 'fuzz-expendable-%'"),
    version: ['1', '2', '3'],
  };
}

/** The pool each kind of id belongs to, by its prefix. */
const PREFIX_POOLS: Record<string, keyof Pools> = {
  team: 'team',
  thm: 'theme',
  ini: 'initiative',
  itr: 'iteration',
  hyp: 'hypothesis',
  chk: 'checkIn',
  aci: 'actionItem',
  msr: 'measurement',
  key: 'apiKey',
};

/**
 * Adds what a successful write created to the pools, so later requests aim at it too: without
 * this, the seeded iterations soon end and every write under them is a 409.
 */
export function remember(pools: Pools, body: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return;
  }
  const found = parsed as { id?: unknown; key?: unknown; data?: unknown };
  const items = Array.isArray(found.data) ? [found, ...(found.data as unknown[])] : [found];
  for (const item of items) {
    const { id, key } = (item ?? {}) as { id?: unknown; key?: unknown };
    if (typeof id !== 'string') continue;
    const prefix = id.slice(0, id.indexOf('_'));
    if (prefix === 'met' && typeof key === 'string' && !pools.metric.includes(key)) pools.metric.push(key);
    const pool = PREFIX_POOLS[prefix];
    if (!pool || pools[pool].includes(id)) continue;
    pools[pool].push(id);
    if (typeof key === 'string' && (pool === 'team' || pool === 'theme' || pool === 'initiative')) pools[pool].push(key);
  }
}
