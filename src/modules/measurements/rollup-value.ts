import type { AGGREGATIONS } from '../../db/schema/metrics';

export type Aggregation = (typeof AGGREGATIONS)[number];

/** The rollup of one (iteration, metric, definition version); absent before any live measurement. */
export interface Rollup {
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  latestValue: number | null;
}

/** The rollup columns of a LEFT JOIN on measurement_rollups: all null when the group has no row. */
export interface RollupColumns {
  count: number | null;
  sum: number | null;
  min: number | null;
  max: number | null;
  latestValue: number | null;
}

export const rollupOf = (c: RollupColumns): Rollup | null =>
  c.count === null ? null : { count: c.count, sum: c.sum ?? 0, min: c.min, max: c.max, latestValue: c.latestValue };

/** A metric's value in an iteration: its catalog aggregation over the live measurements; null without any. */
export function currentValue(aggregation: Aggregation, r: Rollup | null): number | null {
  if (!r || r.count === 0) return null;
  switch (aggregation) {
    case 'latest':
      return r.latestValue;
    case 'sum':
      return r.sum;
    case 'average':
      return r.sum / r.count;
    case 'min':
      return r.min;
    case 'max':
      return r.max;
  }
}
