import { eq, sql } from 'drizzle-orm';
import { retrospectives } from '../../db/schema';
import type { Db } from '../../db/client';
import { perDb } from '../../lib/per-db';

export type RetrospectiveRow = typeof retrospectives.$inferSelect;

export const retrospectivesRepo = perDb((db: Db) => {
  const P = sql.placeholder;
  const byIteration = db.select().from(retrospectives).where(eq(retrospectives.iterationId, P('iterationId'))).prepare();
  const decisionOf = db
    .select({ decision: retrospectives.decision })
    .from(retrospectives)
    .where(eq(retrospectives.iterationId, P('iterationId')))
    .prepare();

  return {
    find: (iterationId: string): RetrospectiveRow | undefined => byIteration.get({ iterationId }),
    /** The retrospective's decision; undefined when there is no retrospective. */
    decisionOf: (iterationId: string): RetrospectiveRow['decision'] | undefined => decisionOf.get({ iterationId })?.decision,
    insert: (row: RetrospectiveRow) => void db.insert(retrospectives).values(row).run(),
    update: (iterationId: string, patch: Partial<RetrospectiveRow>) =>
      void db.update(retrospectives).set(patch).where(eq(retrospectives.iterationId, iterationId)).run(),
  };
});
