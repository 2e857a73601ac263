import { and, desc, eq, gte, isNull, lt, lte, sql, type SQL } from 'drizzle-orm';
import { initiatives, measurements, metrics } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type MeasurementRow = typeof measurements.$inferSelect;
/** A measurement with the keys it is shown with. */
export interface MeasurementView extends MeasurementRow {
  metricKey: string;
  initiativeKey: string;
}

/** An iteration as the ledger sees it: where a row may land and whether it arrives late. */
export interface IterationWindow {
  id: string;
  number: number;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface MeasurementFilters {
  metricId?: string;
  initiativeId?: string;
  iterationId?: string;
  teamId?: string;
  source?: string;
  from?: string;
  to?: string;
  includeVoided: boolean;
}

const WINDOW_COLUMNS = `id, number, status, started_at AS startedAt, coalesce(closed_at, abandoned_at) AS endedAt`;

export const measurementsRepo = perDb((db: Db) => {
  const sqlite = db.$client;
  const insert = sqlite.prepare<[Omit<MeasurementRow, 'late'> & { late: number }]>(
    `INSERT INTO measurements (id, metric_id, definition_version, iteration_id, initiative_id, value, observed_at, recorded_at, late,
       source, note, supersedes, superseded_by, voided_at, void_reason, recorded_by_key_id, recorded_by_name)
     VALUES (@id, @metricId, @definitionVersion, @iterationId, @initiativeId, @value, @observedAt, @recordedAt, @late,
       @source, @note, @supersedes, NULL, NULL, NULL, @recordedByKeyId, @recordedByName)`,
  );
  // The window that holds an instant: started at or before it, and not ended at or before it.
  const windowAt = sqlite.prepare<[{ initiativeId: string; at: string }], IterationWindow>(
    `SELECT ${WINDOW_COLUMNS} FROM iterations
     WHERE initiative_id = @initiativeId AND started_at IS NOT NULL AND started_at <= @at
       AND (coalesce(closed_at, abandoned_at) IS NULL OR coalesce(closed_at, abandoned_at) > @at)
     ORDER BY number DESC LIMIT 1`,
  );
  const windowsOf = sqlite.prepare<[string], IterationWindow>(`SELECT ${WINDOW_COLUMNS} FROM iterations WHERE initiative_id = ? ORDER BY number`);
  const windowById = sqlite.prepare<[string], IterationWindow & { initiativeId: string }>(
    `SELECT ${WINDOW_COLUMNS}, initiative_id AS initiativeId FROM iterations WHERE id = ?`,
  );
  const supersede = sqlite.prepare<[{ id: string; by: string }]>(
    'UPDATE measurements SET superseded_by = @by WHERE id = @id AND superseded_by IS NULL AND voided_at IS NULL',
  );
  const voidRow = sqlite.prepare<[{ id: string; at: string; reason: string }]>(
    'UPDATE measurements SET voided_at = @at, void_reason = @reason WHERE id = @id AND superseded_by IS NULL AND voided_at IS NULL',
  );
  const view = () =>
    db
      .select({ row: measurements, metricKey: metrics.key, initiativeKey: initiatives.key })
      .from(measurements)
      .innerJoin(metrics, eq(metrics.id, measurements.metricId))
      .innerJoin(initiatives, eq(initiatives.id, measurements.initiativeId));
  const byId = view().where(eq(measurements.id, sql.placeholder('id'))).prepare();
  const toView = (r: { row: MeasurementRow; metricKey: string; initiativeKey: string }): MeasurementView => ({
    ...r.row,
    metricKey: r.metricKey,
    initiativeKey: r.initiativeKey,
  });

  return {
    insert: (row: MeasurementRow) => void insert.run({ ...row, late: row.late ? 1 : 0 }),
    windowAt: (initiativeId: string, at: string): IterationWindow | undefined => windowAt.get({ initiativeId, at }),
    windowsOf: (initiativeId: string): IterationWindow[] => windowsOf.all(initiativeId),
    windowById: (id: string) => windowById.get(id),
    /** False when the row was no longer live (voided or superseded meanwhile). */
    supersede: (id: string, by: string): boolean => supersede.run({ id, by }).changes === 1,
    void: (id: string, at: string, reason: string): boolean => voidRow.run({ id, at, reason }).changes === 1,
    findById: (id: string): MeasurementView | undefined => {
      const r = byId.get({ id });
      return r && toView(r);
    },

    /** Newest recorded first (ids increase with time). */
    list(f: MeasurementFilters, page: { limit: number; cursor?: string }): MeasurementView[] {
      const where: (SQL | undefined)[] = [
        f.metricId ? eq(measurements.metricId, f.metricId) : undefined,
        f.initiativeId ? eq(measurements.initiativeId, f.initiativeId) : undefined,
        f.iterationId ? eq(measurements.iterationId, f.iterationId) : undefined,
        f.teamId ? eq(initiatives.teamId, f.teamId) : undefined,
        f.source ? eq(measurements.source, f.source) : undefined,
        f.from ? gte(measurements.observedAt, f.from) : undefined,
        f.to ? lte(measurements.observedAt, f.to) : undefined,
        f.includeVoided ? undefined : and(isNull(measurements.voidedAt), isNull(measurements.supersededBy)),
        page.cursor ? lt(measurements.id, page.cursor) : undefined,
      ];
      return view()
        .where(and(...where))
        .orderBy(desc(measurements.id))
        .limit(page.limit + 1)
        .all()
        .map(toView);
    },
  };
});
