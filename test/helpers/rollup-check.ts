import type Database from 'better-sqlite3';

/**
 * Every rollup recomputed from scratch from the history it summarises, compared with the stored
 * one: an initiative's current iteration and an iteration's latest check-in (migration 0001), and
 * the measurement rollups per iteration (0002), per iteration and UTC day (0005) and per
 * organisation day (0007), over the live rows of the ledger. Returns the rows that differ; a
 * healthy database gives [].
 */

export interface RollupDrift {
  table: string;
  key: string;
  kept: unknown;
  computed: unknown;
}

const CURRENT_ITERATION = `
  SELECT id, current_iteration_id AS kept, (SELECT x.id FROM iterations x WHERE x.initiative_id = i.id
    ORDER BY x.status IN ('under_construction', 'in_review') DESC, x.number DESC LIMIT 1) AS computed
  FROM initiatives i WHERE kept IS NOT computed`;

const LAST_CHECK_IN = `
  SELECT id, json_array(last_check_in_at, last_health) AS kept, json_array(
    (SELECT max(k.created_at) FROM check_ins k WHERE k.iteration_id = it.id),
    (SELECT k.health FROM check_ins k WHERE k.iteration_id = it.id ORDER BY k.created_at DESC, k.id DESC LIMIT 1)) AS computed
  FROM iterations it WHERE kept IS NOT computed`;

interface MeasurementRollup {
  table: string;
  /** The grouping expressions over the ledger row aliased `a`. */
  group: (a: string) => string[];
  /** The same, as columns of the rollup table. */
  columns: string[];
}

const MEASUREMENT_ROLLUPS: MeasurementRollup[] = [
  { table: 'measurement_rollups', group: (a) => [`${a}.iteration_id`, `${a}.metric_id`, `${a}.definition_version`], columns: ['iteration_id', 'metric_id', 'definition_version'] },
  {
    table: 'measurement_daily_rollups',
    group: (a) => [`${a}.metric_id`, `${a}.definition_version`, `substr(${a}.observed_at, 1, 10)`, `${a}.iteration_id`],
    columns: ['metric_id', 'definition_version', 'day', 'iteration_id'],
  },
  {
    table: 'measurement_day_totals',
    group: (a) => [`${a}.metric_id`, `${a}.definition_version`, `substr(${a}.observed_at, 1, 10)`],
    columns: ['metric_id', 'definition_version', 'day'],
  },
];

interface Aggregate {
  k: string;
  count: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  latest_value: number | null;
  latest_observed_at: string | null;
  latest_id: string | null;
  /** The sum of magnitudes: floating-point sums in another order may differ by rounding relative to it. */
  scale?: number;
}

const LIVE = (a: string) => `${a}.voided_at IS NULL AND ${a}.superseded_by IS NULL`;

/** The latest live row of each group is the greatest (observed_at, id), as the triggers define it. */
function recomputed(db: Database.Database, r: MeasurementRollup): Map<string, Aggregate> {
  const m = r.group('m');
  const sameGroup = r.group('x').map((g, i) => `${g} = ${m[i]}`);
  const rows = db
    .prepare(
      `SELECT g.k, g.count, g.sum, g.min, g.max, g.scale, l.value AS latest_value, l.observed_at AS latest_observed_at, l.id AS latest_id
       FROM (
         SELECT json_array(${m.join(', ')}) AS k, count(*) AS count, sum(m.value) AS sum, min(m.value) AS min, max(m.value) AS max,
           sum(abs(m.value)) AS scale,
           (SELECT x.id FROM measurements x WHERE ${sameGroup.join(' AND ')} AND ${LIVE('x')} ORDER BY x.observed_at DESC, x.id DESC LIMIT 1) AS latest_id
         FROM measurements m WHERE ${LIVE('m')} GROUP BY ${m.join(', ')}
       ) g JOIN measurements l ON l.id = g.latest_id`,
    )
    .all() as Aggregate[];
  return new Map(rows.map((a) => [a.k, a]));
}

const sameSum = (kept: number | null, computed: number | null, scale = 0) =>
  kept === computed || (kept !== null && computed !== null && Math.abs(kept - computed) <= 1e-9 * Math.max(1, scale));

function measurementDrift(db: Database.Database, r: MeasurementRollup): RollupDrift[] {
  const expected = recomputed(db, r);
  const stored = db
    .prepare(`SELECT json_array(${r.columns.join(', ')}) AS k, count, sum, min, max, latest_value, latest_observed_at, latest_id FROM ${r.table}`)
    .all() as Aggregate[];
  const drift: RollupDrift[] = [];
  for (const kept of stored) {
    const computed = expected.get(kept.k);
    expected.delete(kept.k);
    const { scale, ...shown } = computed ?? ({} as Partial<Aggregate>);
    const same =
      computed !== undefined &&
      sameSum(kept.sum, computed.sum, scale) &&
      (['count', 'min', 'max', 'latest_value', 'latest_observed_at', 'latest_id'] as const).every((c) => kept[c] === computed[c]);
    if (!same) drift.push({ table: r.table, key: kept.k, kept, computed: computed === undefined ? null : shown });
  }
  for (const [k, computed] of expected) drift.push({ table: r.table, key: k, kept: null, computed });
  return drift;
}

export function rollupDrift(db: Database.Database): RollupDrift[] {
  const simple = (table: string, sql: string) =>
    (db.prepare(sql).all() as Array<{ id: string; kept: unknown; computed: unknown }>).map(({ id, kept, computed }) => ({ table, key: id, kept, computed }));
  return [
    ...simple('initiatives.current_iteration_id', CURRENT_ITERATION),
    ...simple('iterations.last_check_in_at, last_health', LAST_CHECK_IN),
    ...MEASUREMENT_ROLLUPS.flatMap((r) => measurementDrift(db, r)),
  ];
}
