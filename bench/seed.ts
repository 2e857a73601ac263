/**
 * Seeds a running server through its public API, as a client tool would: teams, themes, then
 * initiatives, each with iteration v1 planned with a time box, started and checked in on.
 * Data sets are named so a larger one can be added next to `default` (and picked by a flag).
 */
import { api, pool } from './http';

export interface DataSet {
  teams: number;
  themes: number;
  initiatives: number;
  /** Initiatives seeded at the same time (each is a chain of four requests). */
  concurrency: number;
}

export const DATA_SETS = {
  default: { teams: 5, themes: 2, initiatives: 300, concurrency: 6 },
} satisfies Record<string, DataSet>;

export interface Seeded {
  initiativeKeys: string[];
  /** The started v1 of each initiative, in the same order as the keys. */
  iterationIds: string[];
}

const TAGS = ['inbound', 'outbound', 'pricing', 'renewals', 'forecast', 'crm', 'enablement', 'partners'];
const REGIONS = ['emea', 'amer', 'apac'];
const HORIZONS = ['now', 'next', 'later'] as const;
const DAY_MS = 86_400_000;

function initiativeBody(i: number, teamKeys: string[], themeKeys: string[]) {
  return {
    key: `initiative-${String(i).padStart(5, '0')}`,
    title: `Initiative ${i}: tighten the ${TAGS[i % TAGS.length]} motion`,
    summary: 'Shorten the cycle from first touch to qualified opportunity and measure the effect on win rate.',
    team: teamKeys[i % teamKeys.length],
    owner: `owner${i % 23}@example.com`,
    theme: themeKeys[i % themeKeys.length],
    horizon: HORIZONS[i % HORIZONS.length],
    tags: [TAGS[i % TAGS.length], TAGS[(i * 3 + 1) % TAGS.length], `fy26-q${(i % 4) + 1}`],
    attributes: { region: REGIONS[i % REGIONS.length], segment: i % 2 ? 'mid-market' : 'enterprise', budget_k: 10 + (i % 90), exec_sponsor: i % 5 === 0 },
  };
}

export async function seed(baseUrl: string, adminKey: string, set: DataSet): Promise<Seeded> {
  const call = api(baseUrl, adminKey);
  const teamKeys = Array.from({ length: set.teams }, (_, i) => `team-${i + 1}`);
  const themeKeys = Array.from({ length: set.themes }, (_, i) => `theme-${i + 1}`);
  await pool(set.concurrency, teamKeys.length, (i) =>
    call('POST', '/v1/teams', { key: teamKeys[i], name: `Team ${i + 1}`, description: 'Sales operations pod.' }),
  );
  await pool(set.concurrency, themeKeys.length, (i) =>
    call('POST', '/v1/themes', { key: themeKeys[i], name: `Theme ${i + 1}`, description: 'A strategic pillar.' }),
  );

  // A time box around today, so v1 reads as the current, healthy version.
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const plannedStart = new Date(today - 7 * DAY_MS).toISOString();
  const plannedEnd = new Date(today + 21 * DAY_MS).toISOString();
  const initiativeKeys: string[] = [];
  const iterationIds: string[] = [];
  await pool(set.concurrency, set.initiatives, async (i) => {
    const body = initiativeBody(i, teamKeys, themeKeys);
    await call('POST', '/v1/initiatives', body);
    const iteration = (await call('POST', `/v1/initiatives/${body.key}/iterations`, {
      goal: 'Lift the conversion rate by 3 points',
      planned_start: plannedStart,
      planned_end: plannedEnd,
    })) as { id: string };
    await call('POST', `/v1/iterations/${iteration.id}/start`);
    await call('POST', `/v1/iterations/${iteration.id}/check-ins`, { health: 'on_track', note: 'Kick-off done, data export agreed.' });
    initiativeKeys[i] = body.key;
    iterationIds[i] = iteration.id;
  });
  return { initiativeKeys, iterationIds };
}
