import type { Db } from '../../db/client';
import type { DIRECTIONS, UNITS } from '../../db/schema/metrics';
import { isIdShaped } from '../../lib/ids';
import { perDb } from '../../lib/per-db';
import type { TrackedRollupRow } from '../dashboard/tracked-reading';
import type { IterationStatus } from '../iterations/iteration-lifecycle';
import { PROGRESS_BY_ID_SQL, PROGRESS_BY_KEY_SQL } from './progress.sql';

/** A row of the progress statement; iteration columns are null when the initiative has none, metric columns when the iteration tracks none. */
export interface ProgressRow extends Omit<TrackedRollupRow, 'aggregation'> {
  initiativeId: string;
  initiativeKey: string;
  initiativeTitle: string;
  teamKey: string;
  themeKey: string | null;
  horizon: 'now' | 'next' | 'later';
  initiativeStatus: 'active' | 'adopted' | 'stopped';
  archivedAt: string | null;
  iterationId: string | null;
  number: number;
  title: string;
  status: IterationStatus;
  plannedStart: string | null;
  plannedEnd: string | null;
  startedAt: string | null;
  closedAt: string | null;
  abandonedAt: string | null;
  lastCheckInAt: string | null;
  health: 'on_track' | 'at_risk' | 'off_track' | null;
  decision: 'persevere' | 'pivot' | 'adopt' | 'stop' | null;
  /** JSON array of the five counts, in HYPOTHESIS_STATUSES order. */
  hypotheses: string;
  /** The retrospective's learnings as stored (JSON); null without a retrospective. */
  learnings: string | null;
  metricKey: string | null;
  definitionVersion: number | null;
  unit: (typeof UNITS)[number] | null;
  direction: (typeof DIRECTIONS)[number] | null;
  aggregation: TrackedRollupRow['aggregation'] | null;
}

export const progressRepo = perDb((db: Db) => {
  const byId = db.$client.prepare<[{ ref: string }], ProgressRow>(PROGRESS_BY_ID_SQL);
  const byKey = db.$client.prepare<[{ ref: string }], ProgressRow>(PROGRESS_BY_KEY_SQL);
  return {
    /** By id or by key (keys never look like ids), so one lookup either way; empty when there is no such initiative. */
    rows: (ref: string): ProgressRow[] => (isIdShaped(ref) ? byId : byKey).all({ ref }),
  };
});
