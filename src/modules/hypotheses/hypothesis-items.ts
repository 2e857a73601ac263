import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { recordActivity } from '../activity/activity.service';
import type { IterationItemKind } from '../iterations/iteration-items';
import type { IterationRow } from '../iterations/iterations.repo';
import { suggest } from './hypothesis-evaluation';
import { hypothesesRepo, type HypothesisRow } from './hypotheses.repo';
import { hypothesisSnapshot, initialStatus, resolveHypothesis, toHypothesisDto } from './hypotheses.service';

/** Hypotheses that ended neither validated nor invalidated are still open questions for the next version. */
const OPEN: readonly HypothesisRow['status'][] = ['proposed', 'testing', 'inconclusive'];

function carryOver(ctx: Ctx, from: IterationRow, to: IterationRow) {
  const repo = hypothesesRepo(ctx.db);
  const now = isoNow(ctx.clock);
  return repo
    .rowsOf(from.id)
    .filter((h) => OPEN.includes(h.status))
    .map((h) => {
      const copy: HypothesisRow = {
        ...h,
        id: newId('hyp'),
        iterationId: to.id,
        status: initialStatus(to.status),
        reviewSuggestion: null,
        overrideReason: null,
        concludedAt: null,
        carriedFrom: h.id,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      repo.insert(copy);
      const dto = toHypothesisDto(resolveHypothesis(ctx, copy.id), now);
      recordActivity(ctx, { action: 'hypothesis.created', entityType: 'hypothesis', entityId: copy.id, before: null, after: hypothesisSnapshot(dto) });
      return { id: copy.id, carried_from: h.id };
    });
}

/** Starting the iteration starts the test of every hypothesis still proposed. */
function startTesting(ctx: Ctx, iteration: IterationRow): void {
  const repo = hypothesesRepo(ctx.db);
  const now = isoNow(ctx.clock);
  for (const h of repo.rowsOf(iteration.id)) {
    if (h.status !== 'proposed') continue;
    repo.update(h.id, { status: 'testing', version: h.version + 1, updatedAt: now });
    recordActivity(ctx, {
      action: 'hypothesis.testing_started',
      entityType: 'hypothesis',
      entityId: h.id,
      before: { status: h.status },
      after: { status: 'testing' },
    });
  }
}

/** Going to review stores each hypothesis's suggestion as it stands at that moment. */
function storeReviewSuggestions(ctx: Ctx, iteration: IterationRow): void {
  const repo = hypothesesRepo(ctx.db);
  const now = isoNow(ctx.clock);
  for (const v of repo.viewsOf(iteration.id)) {
    const review = suggest(v, now);
    repo.update(v.id, {
      reviewSuggestion: { review, conclusion: v.reviewSuggestion?.conclusion ?? null },
      version: v.version + 1,
      updatedAt: now,
    });
    recordActivity(ctx, {
      action: 'hypothesis.review_suggested',
      entityType: 'hypothesis',
      entityId: v.id,
      before: { review_suggestion: v.reviewSuggestion?.review ?? null },
      after: { review_suggestion: review },
    });
  }
}

/** Hypotheses as an item kind under iterations: carried over, compared across versions, and moved along by transitions. */
export const hypothesisItems: IterationItemKind = {
  kind: 'hypotheses',
  carryOver,
  snapshot: (ctx, iteration) =>
    hypothesesRepo(ctx.db)
      .lineagesOf(iteration.id)
      .map((h) => ({
        lineage: h.lineage,
        id: h.id,
        fields: { statement: h.statement, metric: h.metricKey, operator: h.operator, threshold: h.threshold, status: h.status },
      })),
  onTransition(ctx, iteration, action) {
    if (action === 'start') startTesting(ctx, iteration);
    else if (action === 'review') storeReviewSuggestions(ctx, iteration);
  },
};
