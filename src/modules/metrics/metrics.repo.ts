import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { metricDefinitions, metrics, teams } from '../../db/schema';
import type { Db } from '../../db/client';
import { isIdShaped } from '../../lib/ids';
import { perDb } from '../../lib/per-db';

export type MetricRow = typeof metrics.$inferSelect;
export type MetricDefinitionRow = typeof metricDefinitions.$inferSelect;

/** A metric with the key of its owning team (null for central metrics). */
export interface MetricView extends MetricRow {
  teamKey: string | null;
}

export interface MetricFilters {
  scope?: MetricRow['scope'];
  teamId?: string;
  unit?: MetricRow['unit'];
  q?: string;
}

// Case-insensitive (ASCII) substring match; the pattern escapes % and _.
const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const metricsRepo = perDb((db: Db) => {
  const P = sql.placeholder;
  const byKey = db.select().from(metrics).where(eq(metrics.key, P('key'))).prepare();
  const byId = db.select().from(metrics).where(eq(metrics.id, P('id'))).prepare();
  const view = () =>
    db.select({ row: metrics, teamKey: teams.key }).from(metrics).leftJoin(teams, eq(teams.id, metrics.teamId));
  const viewById = view().where(eq(metrics.id, P('ref'))).prepare();
  const viewByKey = view().where(eq(metrics.key, P('ref'))).prepare();
  const hasMeasurements = db.$client.prepare<[string], { one: number }>('SELECT 1 AS one FROM measurements WHERE metric_id = ? LIMIT 1');
  const definitions = db
    .select()
    .from(metricDefinitions)
    .where(and(eq(metricDefinitions.metricId, P('metricId')), gt(metricDefinitions.definitionVersion, P('after'))))
    .orderBy(asc(metricDefinitions.definitionVersion))
    .limit(P('limit'))
    .prepare();

  return {
    findByKey: (key: string): MetricRow | undefined => byKey.get({ key }),
    findById: (id: string): MetricRow | undefined => byId.get({ id }),

    /** By id or key (keys never look like ids), with the owning team's key. */
    find(ref: string): MetricView | undefined {
      const r = (isIdShaped(ref) ? viewById : viewByKey).get({ ref });
      return r && { ...r.row, teamKey: r.teamKey };
    },
    keyExists: (key: string): boolean => byKey.get({ key }) !== undefined,
    insert: (row: MetricRow) => void db.insert(metrics).values(row).run(),
    update: (id: string, patch: Partial<MetricRow>) => void db.update(metrics).set(patch).where(eq(metrics.id, id)).run(),

    /** Whether any measurement, live or not, was logged for the metric: its definition is then fixed. */
    hasMeasurements: (metricId: string): boolean => hasMeasurements.get(metricId) !== undefined,

    insertDefinition: (row: MetricDefinitionRow) => void db.insert(metricDefinitions).values(row).run(),
    updateDefinition: (metricId: string, version: number, patch: Partial<MetricDefinitionRow>) =>
      void db
        .update(metricDefinitions)
        .set(patch)
        .where(and(eq(metricDefinitions.metricId, metricId), eq(metricDefinitions.definitionVersion, version)))
        .run(),

    /** Oldest first; `limit + 1` rows are read so the caller can tell whether a page follows. */
    definitions: (metricId: string, page: { limit: number; cursor?: number }): MetricDefinitionRow[] =>
      definitions.all({ metricId, after: page.cursor ?? 0, limit: page.limit + 1 }),

    /** A page ordered by id (ids increase with creation), `limit + 1` rows. */
    list(f: MetricFilters, page: { limit: number; cursor?: string }): MetricView[] {
      const where: Array<SQL | undefined> = [
        f.scope ? eq(metrics.scope, f.scope) : undefined,
        f.teamId ? eq(metrics.teamId, f.teamId) : undefined,
        f.unit ? eq(metrics.unit, f.unit) : undefined,
        f.q === undefined
          ? undefined
          : sql`(${metrics.key} LIKE ${likePattern(f.q)} ESCAPE '\\' OR ${metrics.name} LIKE ${likePattern(f.q)} ESCAPE '\\' OR ${metrics.description} LIKE ${likePattern(f.q)} ESCAPE '\\')`,
        page.cursor ? gt(metrics.id, page.cursor) : undefined,
      ];
      return view()
        .where(and(...where))
        .orderBy(asc(metrics.id))
        .limit(page.limit + 1)
        .all()
        .map((r) => ({ ...r.row, teamKey: r.teamKey }));
    },
  };
});
