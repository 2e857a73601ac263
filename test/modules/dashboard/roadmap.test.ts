import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROADMAP_COLUMNS } from '../../../src/modules/dashboard/dashboard.csv';
import { DashboardRoadmapSchema, type RoadmapInitiative } from '../../../src/modules/dashboard/dashboard.schemas';
import { makeApp, type TestApp } from '../../helpers/app';
import { createKey } from '../../helpers/factories';
import { errorPaths, expectProblem } from '../../helpers/problems';
import { buildFixture, type Fixture } from './fixture';
import { cell, getCsv, getJson, revalidate } from './read';

/** GET /v1/dashboard/roadmap on the fixture of fixture.ts, checked against hand-computed values. */
let t: TestApp;
let f: Fixture;
let cards: Record<'lead' | 'renewal' | 'pricing' | 'forecast', RoadmapInitiative>;
beforeAll(async () => {
  t = await makeApp();
  f = await buildFixture(t);
  const { lead, renewal, pricing, forecast } = f.initiatives;
  cards = {
    // v3 building, checked in at_risk on 01-23; deals (36 - 30) / (50 - 30).
    lead: { id: lead.id, key: 'lead-scoring', title: 'Score leads', status: 'active', horizon: 'now', team: 'alpha', theme: 'growth', current_version: 3, current_version_status: 'under_construction', health: 'at_risk', stale: false, progress: 0.3 },
    // Mean of cycle_days 0.5 and nps 0.7; calls has no progress (never measured) and is left out.
    renewal: { id: renewal.id, key: 'renewal-play', title: 'Renewal play', status: 'active', horizon: 'next', team: 'beta', theme: 'retention', current_version: 1, current_version_status: 'under_construction', health: 'on_track', stale: false, progress: 0.6 },
    // v2 planned: nothing tracked, no check-in.
    pricing: { id: pricing.id, key: 'pricing-test', title: 'Pricing test', status: 'active', horizon: 'later', team: 'gamma', theme: null, current_version: 2, current_version_status: 'planned', health: null, stale: false, progress: null },
    // Closed with adopt; deals (5 - 0) / (10 - 0).
    forecast: { id: forecast.id, key: 'forecast-hygiene', title: 'Forecast hygiene', status: 'adopted', horizon: 'now', team: 'beta', theme: 'growth', current_version: 1, current_version_status: 'closed', health: null, stale: false, progress: 0.5 },
  };
});
afterAll(() => t.close());

const roadmap = (query = '', key?: string) => getJson(t, `/v1/dashboard/roadmap${query}`, DashboardRoadmapSchema, key);

describe('lanes', () => {
  it('by theme (the default): themes by key, then the no-theme lane; now before next before later, then by key', async () => {
    expect(await roadmap()).toEqual({
      group_by: 'theme',
      lanes: [
        { key: 'growth', name: 'Growth', initiatives: [cards.forecast, cards.lead] },
        { key: 'retention', name: 'Retention', initiatives: [cards.renewal] },
        { key: null, name: 'No theme', initiatives: [cards.pricing] },
      ],
    });
  });

  it('by team', async () => {
    expect(await roadmap('?group_by=team')).toEqual({
      group_by: 'team',
      lanes: [
        { key: 'alpha', name: 'Alpha', initiatives: [cards.lead] },
        // forecast-hygiene is now, renewal-play next.
        { key: 'beta', name: 'Beta', initiatives: [cards.forecast, cards.renewal] },
        { key: 'gamma', name: 'Gamma', initiatives: [cards.pricing] },
      ],
    });
  });

  it('by horizon', async () => {
    expect(await roadmap('?group_by=horizon')).toEqual({
      group_by: 'horizon',
      lanes: [
        { key: 'now', name: 'Now', initiatives: [cards.forecast, cards.lead] },
        { key: 'next', name: 'Next', initiatives: [cards.renewal] },
        { key: 'later', name: 'Later', initiatives: [cards.pricing] },
      ],
    });
  });
});

describe('filters', () => {
  it('team, theme and horizon narrow the initiatives; only lanes holding one are listed', async () => {
    expect(await roadmap('?team=beta')).toEqual({
      group_by: 'theme',
      lanes: [
        { key: 'growth', name: 'Growth', initiatives: [cards.forecast] },
        { key: 'retention', name: 'Retention', initiatives: [cards.renewal] },
      ],
    });
    expect(await roadmap(`?group_by=team&theme=${f.themes.growth.id}`)).toEqual({
      group_by: 'team',
      lanes: [
        { key: 'alpha', name: 'Alpha', initiatives: [cards.lead] },
        { key: 'beta', name: 'Beta', initiatives: [cards.forecast] },
      ],
    });
    expect((await roadmap('?horizon=later')).lanes).toEqual([{ key: null, name: 'No theme', initiatives: [cards.pricing] }]);
    expect((await roadmap('?team=gamma&horizon=now')).lanes).toEqual([]);
  });

  it('archived initiatives only with archived=true or all', async () => {
    // archived-thing: v1 building since 01-05T09:00 without a check-in: stale.
    const archived = { key: 'archived-thing', current_version: 1, current_version_status: 'under_construction', health: null, stale: true, progress: null };
    const all = await roadmap('?archived=all');
    expect(all.lanes[0]!.initiatives.map((i) => i.key)).toEqual(['archived-thing', 'forecast-hygiene', 'lead-scoring']);
    expect(all.lanes[0]!.initiatives[0]).toMatchObject(archived);
    expect((await roadmap('?archived=true')).lanes).toEqual([{ key: 'growth', name: 'Growth', initiatives: [expect.objectContaining(archived)] }]);
  });

  it('refuses an unknown team (404), an unknown group_by (400) and an unknown parameter (400)', async () => {
    expectProblem(await t.call({ method: 'GET', url: '/v1/dashboard/roadmap?team=nobody' }), 404, 'not_found');
    expect(errorPaths(expectProblem(await t.call({ method: 'GET', url: '/v1/dashboard/roadmap?group_by=owner' }), 400, 'validation_failed'))).toEqual(['query.group_by']);
    expect(errorPaths(expectProblem(await t.call({ method: 'GET', url: '/v1/dashboard/roadmap?status=active' }), 400, 'validation_failed'))).toEqual(['query.status']);
  });
});

describe('forms and access', () => {
  it('has a CSV form: one row per initiative, lane columns first, in the order of the JSON', async () => {
    const { header, rows } = await getCsv(t, '/v1/dashboard/roadmap?group_by=horizon');
    expect(header).toEqual([...ROADMAP_COLUMNS]);
    expect(rows.map((r) => [r.group_by, r.lane_key, r.lane_name, r.initiative_key, r.theme, r.current_version, r.current_version_status, r.health, r.stale, r.progress])).toEqual([
      ['horizon', 'now', 'Now', 'forecast-hygiene', 'growth', '1', 'closed', '', 'false', '0.5'],
      ['horizon', 'now', 'Now', 'lead-scoring', 'growth', '3', 'under_construction', 'at_risk', 'false', '0.3'],
      ['horizon', 'next', 'Next', 'renewal-play', 'retention', '1', 'under_construction', 'on_track', 'false', '0.6'],
      ['horizon', 'later', 'Later', 'pricing-test', '', '2', 'planned', '', 'false', ''],
    ]);
    // The default grouping, checked cell by cell against the JSON form.
    const json = await roadmap();
    const csv = await getCsv(t, '/v1/dashboard/roadmap');
    const fromJson = json.lanes.flatMap((lane) => lane.initiatives.map((i) => [lane.key, lane.name, i.id, i.key, i.title, i.status, i.horizon, i.team, i.theme, i.current_version, i.current_version_status, i.health, i.stale, i.progress]));
    expect(csv.rows.map((r) => [cell(r.lane_key), r.lane_name, r.initiative_id, r.initiative_key, r.title, r.status, r.horizon, r.team, cell(r.theme), cell(r.current_version), cell(r.current_version_status), cell(r.health), cell(r.stale), cell(r.progress)])).toEqual(fromJson);
  });

  it('answers 304 to If-None-Match, each form with its own ETag', async () => {
    const json = await revalidate(t, '/v1/dashboard/roadmap?group_by=team');
    const csv = await revalidate(t, '/v1/dashboard/roadmap.csv?group_by=team');
    expect([json.again, csv.again]).toEqual([304, 304]);
    expect(json.etag).not.toBe(csv.etag);
  });

  it('takes a viewer key as access_token, and refuses an editor key there (401)', async () => {
    const viewer = await createKey(t, 'viewer');
    const editor = await createKey(t, 'editor', ['beta']);
    const ok = await t.call({ method: 'GET', url: `/v1/dashboard/roadmap?access_token=${viewer.secret}`, key: null });
    expect(ok.statusCode, ok.body).toBe(200);
    DashboardRoadmapSchema.parse(ok.json());
    expectProblem(await t.call({ method: 'GET', url: `/v1/dashboard/roadmap?access_token=${editor.secret}`, key: null }), 401, 'unauthorized');
  });
});

// Last: from here the clock only moves forward (the read cache has no notion of a clock going back).
describe('as the clock moves, without writes', () => {
  it('shows renewal-play stale the moment 7 days pass since its check-in (01-21T09:00)', async () => {
    const renewal = async () => (await roadmap('?group_by=horizon')).lanes[1]!.initiatives[0]!;
    t.clock.set('2026-01-28T08:00:00.000Z');
    expect(await renewal()).toMatchObject({ key: 'renewal-play', stale: false });
    t.clock.set('2026-01-28T09:00:00.000Z');
    expect((await renewal()).stale).toBe(false);
    t.clock.set('2026-01-28T09:00:00.001Z');
    expect((await renewal()).stale).toBe(true);
  });
});
