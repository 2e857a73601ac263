import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InitiativePage, type Initiative } from '../../../src/modules/initiatives/initiatives.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { createInitiative, createIteration, createTeam, createTheme, transitionIteration, uniqueKey } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const list = async (query: string) => {
  const res = await t.call({ method: 'GET', url: `/v1/initiatives?${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return InitiativePage.parse(res.json());
};
/** Keys of the initiatives a query returns (one page of up to 500). */
const keysOf = async (query: string) => (await list(`limit=500&${query}`)).data.map((i) => i.key).sort();
const sortedKeys = (...items: Initiative[]) => items.map((i) => i.key).sort();

const nextLink = (header: string | string[] | undefined): string | undefined =>
  /^<([^>]+)>;\s*rel="next"$/.exec(String(header ?? ''))?.[1];

describe('filters', () => {
  it('filters by team, given by key or by id', async () => {
    const a = await createTeam(t);
    const b = await createTeam(t);
    const inA = [await createInitiative(t, { team: a.key }), await createInitiative(t, { team: a.id })];
    const inB = await createInitiative(t, { team: b.key });
    expect(await keysOf(`team=${a.key}`)).toEqual(sortedKeys(...inA));
    expect(await keysOf(`team=${a.id}`)).toEqual(sortedKeys(...inA));
    expect(await keysOf(`team=${b.id}`)).toEqual([inB.key]);
    expect(expectProblem(await t.call({ method: 'GET', url: '/v1/initiatives?team=no-such-team' }), 404, 'not_found').detail).toContain(
      'no-such-team',
    );
  });

  it('filters by theme, status and horizon', async () => {
    const team = await createTeam(t);
    const theme = await createTheme(t);
    const themed = await createInitiative(t, { team: team.key, theme: theme.key, horizon: 'now' });
    const later = await createInitiative(t, { team: team.key, horizon: 'later' });
    const stopped = await createInitiative(t, { team: team.key, theme: theme.id });
    // Only a closing decision stops an initiative.
    const v1 = await createIteration(t, stopped.id);
    await transitionIteration(t, v1.id, 'start');
    await transitionIteration(t, v1.id, 'review');
    await transitionIteration(t, v1.id, 'close', { decision: 'stop' });

    expect(await keysOf(`theme=${theme.key}`)).toEqual(sortedKeys(themed, stopped));
    expect(await keysOf(`theme=${theme.id}&status=active`)).toEqual([themed.key]);
    expect(await keysOf(`team=${team.key}&status=stopped`)).toEqual([stopped.key]);
    expect(await keysOf(`team=${team.key}&status=adopted`)).toEqual([]);
    expect(await keysOf(`team=${team.key}&horizon=now`)).toEqual([themed.key]);
    expect(await keysOf(`team=${team.key}&horizon=later`)).toEqual([later.key]);
    expect(await keysOf(`team=${team.key}&horizon=next`)).toEqual([stopped.key]);
    expectProblem(await t.call({ method: 'GET', url: '/v1/initiatives?theme=no-such-theme' }), 404, 'not_found');
    const bad = expectProblem(await t.call({ method: 'GET', url: '/v1/initiatives?horizon=someday' }), 400, 'validation_failed');
    expect(errorPaths(bad)).toEqual(['query.horizon']);
  });

  it('filters by tag, matching whole tags only', async () => {
    const team = await createTeam(t);
    const both = await createInitiative(t, { team: team.key, tags: ['inbound', 'scoring'] });
    const one = await createInitiative(t, { team: team.key, tags: ['inbound'] });
    await createInitiative(t, { team: team.key, tags: ['inbound-v2'] });
    expect(await keysOf(`team=${team.key}&tag=inbound`)).toEqual(sortedKeys(both, one));
    expect(await keysOf(`team=${team.key}&tag=scoring`)).toEqual([both.key]);
    expect(await keysOf(`team=${team.key}&tag=inb`)).toEqual([]);
  });

  it('filters by updated_since, inclusive, counting updates too', async () => {
    const team = await createTeam(t);
    t.clock.set('2026-03-01T10:00:00.000Z');
    const old = await createInitiative(t, { team: team.key });
    t.clock.advanceDays(2);
    const mid = await createInitiative(t, { team: team.key });
    t.clock.advanceDays(2);
    const recent = await createInitiative(t, { team: team.key });

    expect(await keysOf(`team=${team.key}&updated_since=2026-03-03T10:00:00.000Z`)).toEqual(sortedKeys(mid, recent));
    expect(await keysOf(`team=${team.key}&updated_since=2026-03-03T10:00:00.001Z`)).toEqual([recent.key]);
    // Any RFC 3339 offset: 12:00+02:00 is 10:00Z.
    expect(await keysOf(`team=${team.key}&updated_since=${encodeURIComponent('2026-03-05T12:00:00+02:00')}`)).toEqual([recent.key]);

    t.clock.advanceDays(1);
    await t.call({ method: 'PATCH', url: `/v1/initiatives/${old.id}`, payload: { title: 'Touched' } });
    expect(await keysOf(`team=${team.key}&updated_since=2026-03-05T12:00:00Z`)).toEqual([old.key]);

    const bad = expectProblem(await t.call({ method: 'GET', url: '/v1/initiatives?updated_since=yesterday' }), 400, 'validation_failed');
    expect(errorPaths(bad)).toEqual(['query.updated_since']);
  });

  it('q matches key or title, case-insensitively, with % and _ taken literally', async () => {
    const team = await createTeam(t);
    const byTitle = await createInitiative(t, { team: team.key, key: uniqueKey('alpha'), title: 'Lead Scoring Pilot' });
    const byKey = await createInitiative(t, { team: team.key, key: uniqueKey('lead-scoring'), title: 'Something else' });
    const percent = await createInitiative(t, { team: team.key, title: 'Reach 100% coverage' });
    const nearPercent = await createInitiative(t, { team: team.key, title: 'Reach 1000 coverage' });
    const underscore = await createInitiative(t, { team: team.key, key: uniqueKey('win_rate') });
    const nearUnderscore = await createInitiative(t, { team: team.key, key: uniqueKey('win-rate') });

    const q = (text: string) => keysOf(`team=${team.key}&q=${encodeURIComponent(text)}`);
    expect(await q('lead scoring')).toEqual([byTitle.key]);
    expect(await q('LEAD-SCORING')).toEqual([byKey.key]);
    expect(await q('lEaD')).toEqual(sortedKeys(byTitle, byKey));
    expect(await q('100%')).toEqual([percent.key]);
    expect(await q('100')).toEqual(sortedKeys(percent, nearPercent));
    expect(await q('win_rate')).toEqual([underscore.key]);
    expect(await q('win')).toEqual(sortedKeys(underscore, nearUnderscore));
    expect(await q('%')).toEqual([percent.key]);
    expect(await q('zzz-nothing')).toEqual([]);
  });

  it('filters by the status of the current iteration', async () => {
    const team = await createTeam(t);
    const none = await createInitiative(t, { team: team.key });
    const planned = await createInitiative(t, { team: team.key });
    await createIteration(t, planned.key);
    const building = await createInitiative(t, { team: team.key });
    const v1 = await createIteration(t, building.key);
    await transitionIteration(t, v1.id, 'start');
    // v2 is planned ahead (empty, since v1's items are still in play); the active v1 stays current.
    await createIteration(t, building.key, { carry_over: false });
    const abandoned = await createInitiative(t, { team: team.key });
    const gone = await createIteration(t, abandoned.key);
    await transitionIteration(t, gone.id, 'abandon');

    const byStatus = (s: string) => keysOf(`team=${team.key}&iteration_status=${s}`);
    expect(await byStatus('none')).toEqual([none.key]);
    expect(await byStatus('planned')).toEqual([planned.key]);
    expect(await byStatus('under_construction')).toEqual([building.key]);
    expect(await byStatus('abandoned')).toEqual([abandoned.key]);
    expect(await byStatus('in_review')).toEqual([]);

    const page = await list(`team=${team.key}&iteration_status=under_construction`);
    expect(page.data[0]?.current_iteration).toMatchObject({ id: v1.id, number: 1, status: 'under_construction' });
    const bad = expectProblem(await t.call({ method: 'GET', url: '/v1/initiatives?iteration_status=started' }), 400, 'validation_failed');
    expect(errorPaths(bad)).toEqual(['query.iteration_status']);
  });

  it('combines filters with AND', async () => {
    const team = await createTeam(t);
    const match = await createInitiative(t, { team: team.key, horizon: 'now', tags: ['x'], title: 'Combo target' });
    await createInitiative(t, { team: team.key, horizon: 'now', tags: ['y'], title: 'Combo other' });
    await createInitiative(t, { team: team.key, horizon: 'later', tags: ['x'], title: 'Combo other' });
    expect(await keysOf(`team=${team.key}&horizon=now&tag=x&q=combo`)).toEqual([match.key]);
  });
});

describe('pagination', () => {
  it('walks every page once with limit=5, following next_cursor and Link rel="next" that keep the filters', async () => {
    const team = await createTeam(t);
    const noise = await createTeam(t);
    const created: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      created.push((await createInitiative(t, { team: team.key, tags: ['paged'] })).id);
      if (i % 4 === 0) await createInitiative(t, { team: noise.key, tags: ['paged'] });
    }

    const seen: string[] = [];
    const sizes: number[] = [];
    let url: string | undefined = `/v1/initiatives?team=${team.key}&tag=paged&limit=5`;
    while (url) {
      const res = await t.call({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const page = InitiativePage.parse(res.json());
      seen.push(...page.data.map((i) => i.id));
      sizes.push(page.data.length);
      for (const i of page.data) expect(i.team.key).toBe(team.key);
      const link = nextLink(res.headers.link);
      if (page.next_cursor) {
        expect(link, 'Link rel="next" on a page that has a successor').toBeDefined();
        const next = new URL(link!, 'http://localhost');
        expect(next.pathname).toBe('/v1/initiatives');
        expect(Object.fromEntries(next.searchParams)).toEqual({ team: team.key, tag: 'paged', limit: '5', cursor: page.next_cursor });
        url = link;
      } else {
        expect(res.headers.link).toBeUndefined();
        url = undefined;
      }
      expect(sizes.length).toBeLessThan(10);
    }
    expect(sizes).toEqual([5, 5, 2]);
    expect(seen.sort()).toEqual([...created].sort());
    expect(new Set(seen).size).toBe(12);
  });

  it('the Link URL keeps a text filter with spaces and % intact', async () => {
    const team = await createTeam(t);
    const matching: string[] = [];
    for (let i = 0; i < 3; i += 1) matching.push((await createInitiative(t, { team: team.key, title: `Grow 50% more ${i}` })).id);
    await createInitiative(t, { team: team.key, title: 'Grow 50 more' });
    const first = await t.call({ method: 'GET', url: `/v1/initiatives?team=${team.key}&q=${encodeURIComponent('50% more')}&limit=2` });
    const link = nextLink(first.headers.link);
    expect(link).toBeDefined();
    expect(new URL(link!, 'http://localhost').searchParams.get('q')).toBe('50% more');
    const second = InitiativePage.parse((await t.call({ method: 'GET', url: link! })).json());
    const ids = [...InitiativePage.parse(first.json()).data, ...second.data].map((i) => i.id);
    expect(ids.sort()).toEqual(matching.sort());
    expect(second.next_cursor).toBeNull();
  });

  it('a page is not disturbed by initiatives created after its cursor was issued', async () => {
    const team = await createTeam(t);
    for (let i = 0; i < 4; i += 1) await createInitiative(t, { team: team.key });
    const first = await list(`team=${team.key}&limit=2`);
    const late = await createInitiative(t, { team: team.key });
    const rest = await list(`team=${team.key}&limit=500&cursor=${first.next_cursor}`);
    expect(rest.data).toHaveLength(3);
    expect(rest.data.map((i) => i.id)).toContain(late.id);
    expect(rest.data.map((i) => i.id)).not.toContain(first.data[0]?.id);
    expect(rest.next_cursor).toBeNull();
  });

  it('refuses limit over 500, limit 0, a forged cursor and unknown filters with 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['limit=501', 'query.limit'],
      ['limit=0', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['cursor=not-a-cursor', 'query.cursor'],
      ['owner=ana', 'query.owner'],
      ['team=x&sort=title', 'query.sort'],
    ];
    for (const [query, path] of cases) {
      const body = expectProblem(await t.call({ method: 'GET', url: `/v1/initiatives?${query}` }), 400, 'validation_failed');
      expect(errorPaths(body), query).toEqual([path]);
    }
    expect((await t.call({ method: 'GET', url: '/v1/initiatives?limit=500' })).statusCode).toBe(200);
  });
});
