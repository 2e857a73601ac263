import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import type { IterationItemKind } from '../iterations/iteration-items';
import { trackedMetricsRepo } from './tracked-metrics.repo';
import { currentOf } from './tracked-metrics.service';

/**
 * Tracked metrics as an iteration item. Every tracked metric moves on to the next version (a
 * metric does not get "done"), with the same target and, as its baseline, where the previous
 * version ended: its final current value, or its old baseline when it saw no measurement. A metric
 * the new version already tracks (planned ahead) keeps its own baseline and target.
 * Writes go through assertIterationWritable, so a closed or abandoned version's metrics stay put.
 */
export const trackedMetricsKind: IterationItemKind = {
  kind: 'tracked_metrics',

  carryOver(ctx, from, to) {
    const repo = trackedMetricsRepo(ctx.db);
    const already = repo.trackedMetricIds(to.id);
    const now = isoNow(ctx.clock);
    return repo
      .all(from.id)
      .filter((v) => !already.has(v.metricId))
      .map((v) => {
        const id = newId('tmt');
        repo.insert({
          id,
          iterationId: to.id,
          metricId: v.metricId,
          baseline: currentOf(v) ?? v.baseline,
          target: v.target,
          carriedFrom: v.id,
          version: 1,
          createdAt: now,
          updatedAt: now,
        });
        return { id, carried_from: v.id };
      });
  },

  snapshot(ctx, iteration) {
    return trackedMetricsRepo(ctx.db)
      .lineages(iteration.id)
      .map((r) => ({ lineage: r.lineage, id: r.id, fields: { metric: r.metricKey, baseline: r.baseline, target: r.target } }));
  },
};
