/**
 * The large data set (`npm run bench -- --size large`): 50 teams, 8 themes, 200 metrics, 2,000
 * initiatives with five versions each (10,000 iterations), 40,000 hypotheses, 20,000 tracked
 * metrics, retrospectives, carried action items, and the measurement ledger. Written straight into
 * a SQLite file migrated by the server's own code, so the same triggers keep every rollup exactly as
 * the ingest API would; a generated million rows takes seconds instead of minutes of HTTP.
 */
import Database from 'better-sqlite3';
import { openDatabase } from '../src/db/client';
import { newId } from '../src/lib/ids';

export const LARGE = { teams: 50, themes: 8, metrics: 200, initiatives: 2000, versions: 5, hypothesesPerVersion: 4, trackedPerVersion: 2 };
const DAY = 86_400_000;
const AGGREGATIONS = ['latest', 'sum', 'average', 'min', 'max'] as const;
const DECISIONS = ['persevere', 'pivot', 'persevere', 'adopt'] as const;
const RESULTS = ['validated', 'invalidated', 'inconclusive', 'validated'] as const;

/** A small deterministic generator, so two runs build the same data. */
function generator(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface LargeSeed {
  initiativeKeys: string[];
  metricKeys: string[];
  /** Per iteration: id, its metrics and the window measurements fall in. */
  windows: Array<{ id: string; initiativeId: string; metricIds: string[]; from: number; to: number }>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const metricOf = (initiative: number, j: number) => (initiative * 7 + j * 13) % LARGE.metrics;

/** Builds everything but the measurements; `now` anchors the time boxes (the last version is under construction). */
export function seedLarge(path: string, now = Date.now()): LargeSeed {
  const db = openDatabase({ path, synchronous: 'NORMAL' });
  const sqlite = db.$client;
  const stamp = iso(now);
  const today = Math.floor(now / DAY) * DAY;
  const ins = (sql: string) => sqlite.prepare(sql);
  const team = ins(`INSERT INTO teams (id, key, name, description, version, created_at, updated_at) VALUES (?, ?, ?, 'Sales operations pod.', 1, ?, ?)`);
  const theme = ins(`INSERT INTO themes (id, key, name, description, version, created_at, updated_at) VALUES (?, ?, ?, 'A strategic pillar.', 1, ?, ?)`);
  const metric = ins(
    `INSERT INTO metrics (id, key, name, description, unit, currency_code, direction, aggregation, scope, team_id, definition_version, version, created_at, updated_at)
     VALUES (?, ?, ?, '', ?, NULL, ?, ?, ?, ?, 1, 1, ?, ?)`,
  );
  const definition = ins(`INSERT INTO metric_definitions (metric_id, definition_version, unit, currency_code, direction, aggregation, created_at) VALUES (?, 1, ?, NULL, ?, ?, ?)`);
  const initiative = ins(
    `INSERT INTO initiatives (id, key, title, summary, team_id, owner, theme_id, horizon, status, tags, attributes, version, created_at, updated_at)
     VALUES (?, ?, ?, '', ?, ?, ?, ?, 'active', '["forecast"]', '{"region":"emea"}', 1, ?, ?)`,
  );
  const iteration = ins(
    `INSERT INTO iterations (id, initiative_id, number, title, goal, planned_start, planned_end, status, started_at, review_started_at, closed_at, decision, based_on_id, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'Move the metric.', ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  );
  const checkIn = ins(`INSERT INTO check_ins (id, iteration_id, health, note, author_key_id, author_name, created_at) VALUES (?, ?, ?, '', 'key_bench', 'bench', ?)`);
  const hypothesis = ins(
    `INSERT INTO hypotheses (id, iteration_id, statement, metric_id, operator, threshold, min_measurements, evidence, status, concluded_at, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'gte', ?, 1, '', ?, ?, 1, ?, ?)`,
  );
  const tracked = ins(`INSERT INTO tracked_metrics (id, iteration_id, metric_id, baseline, target, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`);
  const retro = ins(
    `INSERT INTO retrospectives (iteration_id, went_well, to_improve, learnings, decision, decision_reason, frozen_at, version, created_at, updated_at)
     VALUES (?, '["Weekly cadence"]', '["Data quality"]', ?, ?, '', ?, 1, ?, ?)`,
  );
  const action = ins(
    `INSERT INTO action_items (id, iteration_id, title, owner, status, carried_from, times_carried, version, created_at, updated_at) VALUES (?, ?, 'Fix the CRM field', NULL, ?, ?, ?, 1, ?, ?)`,
  );

  const seedOut: LargeSeed = { initiativeKeys: [], metricKeys: [], windows: [] };
  sqlite.transaction(() => {
    const teamIds = Array.from({ length: LARGE.teams }, (_, i) => {
      const id = newId('team');
      team.run(id, `team-${i + 1}`, `Team ${i + 1}`, stamp, stamp);
      return id;
    });
    const themeIds = Array.from({ length: LARGE.themes }, (_, i) => {
      const id = newId('theme');
      theme.run(id, `theme-${i + 1}`, `Theme ${i + 1}`, stamp, stamp);
      return id;
    });
    const metricIds = Array.from({ length: LARGE.metrics }, (_, i) => {
      const id = newId('met');
      const key = `metric-${String(i).padStart(3, '0')}`;
      const [unit, direction, aggregation] = [i % 3 ? 'ratio' : 'count', i % 4 ? 'increase' : 'decrease', AGGREGATIONS[i % AGGREGATIONS.length] ?? 'latest'];
      const central = i % 2 === 0;
      metric.run(id, key, `Metric ${i}`, unit, direction, aggregation, central ? 'central' : 'team', central ? null : teamIds[i % LARGE.teams], stamp, stamp);
      definition.run(id, unit, direction, aggregation, stamp);
      seedOut.metricKeys.push(key);
      return id;
    });
    for (let i = 0; i < LARGE.initiatives; i++) {
      const initiativeId = newId('ini');
      const key = `initiative-${String(i).padStart(5, '0')}`;
      seedOut.initiativeKeys.push(key);
      const themeId = i % 10 === 9 ? null : themeIds[i % LARGE.themes];
      initiative.run(initiativeId, key, `Initiative ${i}`, teamIds[i % LARGE.teams], `owner${i % 23}@example.com`, themeId, ['now', 'next', 'later'][i % 3], stamp, stamp);
      // Five versions of 8 weeks each, the last one under construction (some past their end).
      const firstStart = today - (4 * 56 + 28 + (i % 21)) * DAY;
      let previous: string | null = null;
      let carried: string | null = null;
      for (let v = 1; v <= LARGE.versions; v++) {
        const id = newId('itr');
        const start = firstStart + (v - 1) * 56 * DAY;
        const end = start + (v === LARGE.versions && i % 7 === 0 ? 20 : 52) * DAY;
        const last = v === LARGE.versions;
        const closed = last ? null : iso(start + 54 * DAY);
        iteration.run(id, initiativeId, v, `v${v}`, iso(start), iso(end), last ? 'under_construction' : 'closed', iso(start), last ? null : iso(start + 53 * DAY), closed,
          last ? null : DECISIONS[(i + v) % DECISIONS.length], previous, iso(start), closed ?? iso(start));
        checkIn.run(newId('chk'), id, ['on_track', 'at_risk', 'off_track'][(i + v) % 3], iso(Math.min(now - (i % 12) * DAY, start + 50 * DAY)));
        const metrics = Array.from({ length: LARGE.hypothesesPerVersion }, (_, j) => metricIds[metricOf(i, j + v)] ?? '');
        metrics.forEach((metricId, j) => {
          hypothesis.run(newId('hyp'), id, `Version ${v} moves metric ${j}.`, metricId, 0.5, last ? 'testing' : RESULTS[(i + j + v) % RESULTS.length], closed, iso(start), closed ?? iso(start));
        });
        for (let j = 0; j < LARGE.trackedPerVersion; j++) tracked.run(newId('tmt'), id, metrics[j], 0.4, 0.6, iso(start), iso(start));
        if (!last) {
          retro.run(id, JSON.stringify([{ observed: `v${v} moved the needle`, learned: 'Shorter cadences help.' }]), DECISIONS[(i + v) % DECISIONS.length], closed, closed, closed);
        }
        // One action item carried from v3 through v5: recurring once carried twice.
        const actionId = newId('aci');
        const timesCarried = v >= 3 ? v - 3 : 0;
        action.run(actionId, id, v >= 3 ? 'open' : 'done', v > 3 ? carried : null, timesCarried, iso(start), iso(start));
        if (v >= 3) carried = actionId;
        seedOut.windows.push({ id, initiativeId, metricIds: metrics, from: start, to: Math.min(now - 60_000, last ? now - 60_000 : start + 54 * DAY) });
        previous = id;
      }
    }
  })();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return seedOut;
}

/**
 * Appends `count` measurements spread over the iterations' windows, in transactions of 50,000
 * rows, through the ledger's own triggers. Safe while the server runs on the same file (WAL).
 */
export function addMeasurements(path: string, seeded: LargeSeed, count: number, seed: number): void {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  // The rollups are written at random places: a large page cache keeps them from thrashing.
  sqlite.pragma('cache_size = -262144');
  const insert = sqlite.prepare(
    `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, late, source, note, recorded_by_key_id, recorded_by_name)
     VALUES (?, ?, 1, ?, ?, ?, ?, ?, 0, 'bench', NULL, 'key_bench', 'bench seed')`,
  );
  const random = generator(seed);
  const windows = seeded.windows;
  const recorded = new Date().toISOString();
  const chunk = sqlite.transaction((n: number) => {
    for (let k = 0; k < n; k++) {
      const w = windows[Math.floor(random() * windows.length)];
      if (!w) continue;
      const metricId = w.metricIds[Math.floor(random() * w.metricIds.length)] ?? '';
      const at = w.from + Math.floor(random() * (w.to - w.from));
      insert.run(newId('msr'), metricId, w.id, w.initiativeId, Math.round(random() * 1000) / 1000, iso(at), recorded);
    }
  });
  for (let done = 0; done < count; done += 50_000) chunk(Math.min(50_000, count - done));
  sqlite.close();
}
