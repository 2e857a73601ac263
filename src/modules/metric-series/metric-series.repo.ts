import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/client';
import type { AGGREGATIONS, DIRECTIONS, UNITS } from '../../db/schema/metrics';
import { perDb } from '../../lib/per-db';
import type { RollupColumns } from '../measurements/rollup-value';
import type { Interval } from './metric-series.schemas';
import { comparisonSql, DEFINITIONS_SQL, seriesSql, type ComparisonFilter, type SeriesFilter } from './metric-series.sql';

export interface DefinitionRow {
  definitionVersion: number;
  unit: (typeof UNITS)[number];
  currencyCode: string | null;
  direction: (typeof DIRECTIONS)[number];
  aggregation: (typeof AGGREGATIONS)[number];
  createdAt: string;
}

/** One bucket of one definition version: the combined daily rollups. */
export interface BucketRow {
  definitionVersion: number;
  bucket: string;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  latestValue: number | null;
}

/** A tracked metric with where it sits, and one rollup of its iteration (all null without one). */
export interface ComparisonDbRow extends RollupColumns {
  trackedMetricId: string;
  baseline: number | null;
  target: number | null;
  iterationId: string;
  number: number;
  iterationStatus: 'planned' | 'under_construction' | 'in_review' | 'closed' | 'abandoned';
  plannedStart: string | null;
  startedAt: string | null;
  plannedEnd: string | null;
  initiativeId: string;
  initiativeKey: string;
  initiativeTitle: string;
  initiativeStatus: 'active' | 'adopted' | 'stopped';
  teamId: string;
  teamKey: string;
  definitionVersion: number | null;
  latestObservedAt: string | null;
}

type Params = Record<string, string | number>;

/** Statements by the shape of their SQL, each prepared the first time it is needed. */
function statementCache<R>(db: Db) {
  const statements = new Map<string, Statement<[Params], R>>();
  return (sql: string): Statement<[Params], R> => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.$client.prepare<[Params], R>(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}

export const metricSeriesRepo = perDb((db: Db) => {
  const definitions = db.$client.prepare<[string], DefinitionRow>(DEFINITIONS_SQL);
  const series = statementCache<BucketRow>(db);
  const comparison = statementCache<ComparisonDbRow>(db);

  return {
    definitions: (metricId: string): DefinitionRow[] => definitions.all(metricId),
    /** `params` holds metric, from_day, to_day and one value per filter, named as the filter. */
    buckets: (interval: Interval, filters: SeriesFilter[], params: Params): BucketRow[] =>
      series(seriesSql(interval, filters)).all(params),
    /** `params` holds metric and one value per filter that takes one. */
    comparison: (filters: ComparisonFilter[], params: Params): ComparisonDbRow[] => comparison(comparisonSql(filters)).all(params),
  };
});
