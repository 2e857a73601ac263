import { eq, sql } from 'drizzle-orm';
import { metrics } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type MetricRow = typeof metrics.$inferSelect;

export const metricsRepo = perDb((db: Db) => {
  const byKey = db.select().from(metrics).where(eq(metrics.key, sql.placeholder('key'))).prepare();
  const byId = db.select().from(metrics).where(eq(metrics.id, sql.placeholder('id'))).prepare();
  return {
    findByKey: (key: string): MetricRow | undefined => byKey.get({ key }),
    findById: (id: string): MetricRow | undefined => byId.get({ id }),
  };
});
