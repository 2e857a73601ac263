import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey, createTeam, putPolicy } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { ActivityPage } from '../../../src/modules/activity/activity.schemas';
import { PolicySchema } from '../../../src/modules/policy/policy.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ CHECKIN_INTERVAL_DAYS: '3' });
});
afterAll(() => t.close());

const get = (key?: string) => t.call({ method: 'GET', url: '/v1/policy', key });
const put = (payload: unknown, headers: Record<string, string> = {}, key?: string) =>
  t.call({ method: 'PUT', url: '/v1/policy', payload: payload as Record<string, unknown>, headers, key });

const DEFAULTS = {
  require_central_metrics: false,
  require_hypothesis_to_start: false,
  require_baseline_to_start: false,
  require_retrospective_to_close: false,
  max_timebox_days: null,
  checkin_interval_days: 3,
  required_initiative_attributes: [],
};

describe('GET and PUT /v1/policy', () => {
  it('starts with every rule off and the check-in interval of CHECKIN_INTERVAL_DAYS, readable by any key', async () => {
    const viewer = await createKey(t, 'viewer');
    const res = await get(viewer.secret);
    expect(res.statusCode, res.body).toBe(200);
    expect(PolicySchema.parse(res.json())).toEqual({ ...DEFAULTS, version: 1, updated_at: expect.any(String) });
    expect(res.headers.etag).toMatch(/^"v1-/);
    const cached = await get();
    expect(cached.headers.etag).toBe(res.headers.etag);
    expect((await t.call({ method: 'GET', url: '/v1/policy', headers: { 'if-none-match': String(res.headers.etag) } })).statusCode).toBe(304);
  });

  it('PUT replaces the rules, bumps the version, logs before and after; a stale If-Match is 412', async () => {
    const read = await get();
    const etag = String(read.headers.etag);
    const v = PolicySchema.parse(read.json()).version;
    t.clock.advanceDays(1);
    const rules = { require_central_metrics: true, max_timebox_days: 30, checkin_interval_days: 0.5, required_initiative_attributes: ['region'] };
    const res = await put(rules, { 'if-match': etag });
    expect(res.statusCode, res.body).toBe(200);
    const updated = PolicySchema.parse(res.json());
    expect(updated).toEqual({ ...DEFAULTS, ...rules, version: v + 1, updated_at: t.clock.now().toISOString() });
    expect(res.headers.etag).toMatch(new RegExp(`^"v${v + 1}-`));
    expect(PolicySchema.parse((await get()).json())).toEqual(updated);

    const log = ActivityPage.parse((await t.call({ method: 'GET', url: '/v1/activity?entity_type=policy&limit=1' })).json()).data[0]!;
    expect(log).toMatchObject({ action: 'policy.updated', entity_id: 'policy', request_id: res.headers['x-request-id'] });
    expect(log.before).toEqual({
      require_central_metrics: false,
      max_timebox_days: null,
      checkin_interval_days: 3,
      required_initiative_attributes: [],
      version: v,
      updated_at: PolicySchema.parse(read.json()).updated_at,
    });
    expect(log.after).toEqual({ ...rules, version: v + 1, updated_at: updated.updated_at });

    const stale = expectProblem(await put({ require_central_metrics: false }, { 'if-match': etag }), 412, 'precondition_failed');
    expect(stale.current_version).toBe(v + 1);
    expect(PolicySchema.parse((await get()).json())).toEqual(updated);
  });

  it('a rule left out of the body returns to its default; the same rules again change nothing', async () => {
    await putPolicy(t, { require_hypothesis_to_start: true, checkin_interval_days: 10 });
    const { policy } = await putPolicy(t, { require_hypothesis_to_start: true });
    expect(policy).toMatchObject({ ...DEFAULTS, require_hypothesis_to_start: true });
    const before = (t.db.$client.prepare('SELECT count(*) AS n FROM activity').get() as { n: number }).n;
    const again = await putPolicy(t, { require_hypothesis_to_start: true });
    expect(again.policy).toEqual(policy);
    expect((t.db.$client.prepare('SELECT count(*) AS n FROM activity').get() as { n: number }).n).toBe(before);
  });

  it('only admins may PUT: editors and viewers get 403 and nothing changes; no key is 401', async () => {
    const team = await createTeam(t);
    const before = (await get()).body;
    for (const key of [(await createKey(t, 'editor', [team.key])).secret, (await createKey(t, 'viewer')).secret]) {
      expectProblem(await put({ require_central_metrics: true }, {}, key), 403, 'forbidden');
    }
    expectProblem(await t.call({ method: 'PUT', url: '/v1/policy', payload: {}, key: null }), 401, 'unauthorized');
    expect((await get()).body).toBe(before);
  });

  it('refuses bad rules with a 400 naming each field, and writes nothing', async () => {
    const before = (await get()).body;
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ checkin_interval_days: 0 }, ['body.checkin_interval_days']],
      [{ checkin_interval_days: -1, max_timebox_days: 1.5 }, ['body.checkin_interval_days', 'body.max_timebox_days']],
      [{ max_timebox_days: 0, require_central_metrics: 'yes' }, ['body.max_timebox_days', 'body.require_central_metrics']],
      [{ required_initiative_attributes: ['region', 'region'] }, ['body.required_initiative_attributes']],
      [{ required_initiative_attributes: Array.from({ length: 51 }, (_, i) => `a${i}`) }, ['body.required_initiative_attributes']],
      [{ required_initiative_attributes: ['', 'x'.repeat(65)] }, ['body.required_initiative_attributes.0', 'body.required_initiative_attributes.1']],
      [{ require_everything: true }, ['body.require_everything']],
      [{ version: 3 }, ['body.version']],
    ];
    for (const [payload, paths] of cases) {
      const problem = expectProblem(await put(payload), 400, 'validation_failed');
      expect(errorPaths(problem).sort(), JSON.stringify(payload)).toEqual(paths.sort());
    }
    expect((await get()).body).toBe(before);
  });
});
