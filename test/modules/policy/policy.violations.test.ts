import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import {
  createInitiative,
  createIteration,
  createKey,
  createMetric,
  createTeam,
  putPolicy,
  transitionIteration,
} from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { PolicyViolationPage, type PolicyViolation } from '../../../src/modules/policy/policy.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ CHECKIN_INTERVAL_DAYS: '30' });
});
afterAll(() => t.close());

const page = async (query = '', key?: string) => {
  const res = await t.call({ method: 'GET', url: `/v1/policy/violations${query}`, key });
  expect(res.statusCode, res.body).toBe(200);
  return { body: PolicyViolationPage.parse(res.json()), link: res.headers.link };
};

/** Every violation, walked page by page with the Link header. */
async function all(limit: number, rule?: string): Promise<PolicyViolation[]> {
  const out: PolicyViolation[] = [];
  let url: string | undefined = `/v1/policy/violations?limit=${limit}${rule ? `&rule=${rule}` : ''}`;
  while (url) {
    const res = await t.call({ method: 'GET', url });
    const body = PolicyViolationPage.parse(res.json());
    out.push(...body.data);
    url = /^<([^>]+)>; rel="next"$/.exec(String(res.headers.link ?? ''))?.[1];
    expect(url === undefined).toBe(body.next_cursor === null);
  }
  return out;
}

const snapshot = () =>
  JSON.stringify(['initiatives', 'iterations', 'hypotheses', 'tracked_metrics'].map((n) => t.db.$client.prepare(`SELECT * FROM ${n} ORDER BY rowid`).all()));

describe('GET /v1/policy/violations', () => {
  it('after rules are tightened, lists what is out of policy now, changes nothing, and pages without repeats', async () => {
    const team = await createTeam(t);
    const teamMetric = await createMetric(t, { team: team.key });
    // Work that was fine under the default policy.
    const loose = await createInitiative(t, { team: team.key, attributes: { region: null } });
    const compliant = await createInitiative(t, { team: team.key, attributes: { region: 'emea' } });
    const running = await createIteration(t, loose.key, { planned_start: '2026-01-05T00:00:00Z', planned_end: '2026-03-31T00:00:00Z' });
    const tracked = await t.call({ method: 'POST', url: `/v1/iterations/${running.id}/metrics`, payload: { metric: teamMetric.key, baseline: 1 } });
    const hyp = await t.call({
      method: 'POST',
      url: `/v1/iterations/${running.id}/hypotheses`,
      payload: { statement: 'We believe that it works', metric: teamMetric.key, operator: 'gte', threshold: 1 },
    });
    await transitionIteration(t, running.id, 'start');
    const bare = await createIteration(t, compliant.key);
    await transitionIteration(t, bare.id, 'start');
    await transitionIteration(t, bare.id, 'review');
    // History: a closed version with the same faults is never reported.
    const history = await createInitiative(t, { team: team.key, attributes: { region: 'us' } });
    const closed = await createIteration(t, history.key);
    await t.call({ method: 'POST', url: `/v1/iterations/${closed.id}/metrics`, payload: { metric: teamMetric.key } });
    await transitionIteration(t, closed.id, 'start');
    await transitionIteration(t, closed.id, 'review');
    await transitionIteration(t, closed.id, 'close', { decision: 'stop' });
    expect(await all(50)).toEqual([]);

    const before = snapshot();
    await putPolicy(t, {
      require_central_metrics: true,
      require_hypothesis_to_start: true,
      require_baseline_to_start: true,
      require_retrospective_to_close: true,
      max_timebox_days: 28,
      checkin_interval_days: 1,
      required_initiative_attributes: ['region'],
    });
    t.clock.advanceDays(2);
    const found = await all(2);
    expect(snapshot()).toBe(before);

    const trackedId = (tracked.json() as { id: string }).id;
    const hypId = (hyp.json() as { id: string }).id;
    const expected: Array<[string, string, string]> = [
      ['checkin_interval_days', 'iteration', bare.id],
      ['checkin_interval_days', 'iteration', running.id],
      ['max_timebox_days', 'iteration', bare.id],
      ['max_timebox_days', 'iteration', running.id],
      ['require_baseline_to_start', 'iteration', bare.id],
      ['require_baseline_to_start', 'tracked_metric', trackedId],
      ['require_central_metrics', 'hypothesis', hypId],
      ['require_central_metrics', 'tracked_metric', trackedId],
      ['require_hypothesis_to_start', 'iteration', bare.id],
      ['require_retrospective_to_close', 'iteration', bare.id],
      ['required_initiative_attributes', 'initiative', loose.id],
    ];
    const key = (v: [string, string, string]) => `${v[0]} ${v[2]}`;
    expect(found.map((v) => [v.rule, v.entity_type, v.entity_id])).toEqual([...expected].sort((a, b) => (key(a) < key(b) ? -1 : 1)));
    expect(new Set(found.map((v) => `${v.rule} ${v.entity_id}`)).size).toBe(found.length);

    const detail = (rule: string, id: string) => found.find((v) => v.rule === rule && v.entity_id === id)!.detail;
    expect(detail('max_timebox_days', running.id)).toContain('Time box of 85 days');
    expect(detail('max_timebox_days', bare.id)).toContain('without a time box');
    expect(detail('require_central_metrics', trackedId)).toContain(teamMetric.key);
    expect(detail('require_baseline_to_start', trackedId)).toContain(`PATCH /v1/iterations/${running.id}/metrics/${teamMetric.key}`);
    expect(detail('required_initiative_attributes', loose.id)).toContain('Missing required attributes: region');
    expect(detail('checkin_interval_days', running.id)).toContain('every 1 days');

    // Filtered by rule; any key reads it.
    const viewer = await createKey(t, 'viewer');
    const centralOnly = await page('?rule=require_central_metrics', viewer.secret);
    expect(centralOnly.body.data.map((v) => v.entity_id).sort()).toEqual([hypId, trackedId].sort());

    // Fixing an object takes it off the report.
    await t.call({ method: 'PATCH', url: `/v1/initiatives/${loose.key}`, payload: { attributes: { region: 'emea' } } });
    expect(await all(10, 'required_initiative_attributes')).toEqual([]);
  });

  it('refuses unknown rules and bad cursors with a 400 naming the field', async () => {
    const res = await t.call({ method: 'GET', url: '/v1/policy/violations?rule=be_nice&cursor=%%%' });
    expect(errorPaths(expectProblem(res, 400, 'validation_failed')).sort()).toEqual(['query.cursor', 'query.rule']);
  });
});
