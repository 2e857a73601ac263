import type { Ctx } from '../../lib/context';
import { changedFields } from '../../lib/changes';
import { DAY_MS } from '../../lib/clock';
import { notFound } from '../../http/problems';
import { resolveInitiative } from '../initiatives/initiatives.service';
import { retrospectivesRepo } from '../retrospectives/retrospectives.repo';
import type { IterationItemKinds, ItemSnapshot } from './iteration-items';
import { iterationsRepo, type IterationView } from './iterations.repo';
import type { IterationDiff } from './iterations.schemas';

/** The fields of a version that a diff compares, including the derived time-box length. */
function comparable(v: IterationView): Record<string, unknown> {
  const days = v.plannedStart && v.plannedEnd ? (Date.parse(v.plannedEnd) - Date.parse(v.plannedStart)) / DAY_MS : null;
  return {
    title: v.title,
    goal: v.goal,
    planned_start: v.plannedStart,
    planned_end: v.plannedEnd,
    time_box_days: days,
    status: v.status,
    decision: v.decision,
    outcome: v.outcome,
  };
}

const asFieldChanges = (before: Record<string, unknown>, after: Record<string, unknown>) => {
  const diff = changedFields(before, after);
  return Object.fromEntries(Object.keys(diff.after).map((k) => [k, { from: diff.before[k], to: diff.after[k] }]));
};

function diffItems(a: ItemSnapshot[], b: ItemSnapshot[]) {
  const inA = new Map(a.map((i) => [i.lineage, i]));
  const inB = new Map(b.map((i) => [i.lineage, i]));
  return {
    added: b.filter((i) => !inA.has(i.lineage)).map((i) => ({ id: i.id, ...i.fields })),
    removed: a.filter((i) => !inB.has(i.lineage)).map((i) => ({ id: i.id, ...i.fields })),
    changed: b.flatMap((i) => {
      const old = inA.get(i.lineage);
      const fields = old ? asFieldChanges(old.fields, i.fields) : {};
      return old && Object.keys(fields).length > 0 ? [{ lineage: i.lineage, from_id: old.id, to_id: i.id, fields }] : [];
    }),
  };
}

/** What changed from version `a` to version `b` of an initiative (either order). */
export function diffIterations(ctx: Ctx, kinds: IterationItemKinds, initiativeRef: string, a: number, b: number): IterationDiff {
  const initiative = resolveInitiative(ctx, initiativeRef);
  const repo = iterationsRepo(ctx.db);
  const load = (n: number) => {
    const v = repo.findByNumber(initiative.id, n);
    if (!v) throw notFound(`iteration of '${initiative.key}'`, `v${n}`);
    return v;
  };
  const from = load(a);
  const to = load(b);
  const retrospectiveDecision = (v: IterationView) => retrospectivesRepo(ctx.db).decisionOf(v.id) ?? null;
  const summary = (v: IterationView) => {
    const s = repo.checkInSummary(v.id);
    return { count: s.count, last_health: s.lastHealth };
  };
  return {
    initiative: { id: initiative.id, key: initiative.key },
    from: { id: from.id, number: from.number, status: from.status },
    to: { id: to.id, number: to.number, status: to.status },
    fields: asFieldChanges(comparable(from), comparable(to)),
    items: Object.fromEntries(kinds.all().map((k) => [k.kind, diffItems(k.snapshot(ctx, from), k.snapshot(ctx, to))])),
    check_ins: { from: summary(from), to: summary(to) },
    decisions: { from: retrospectiveDecision(from), to: retrospectiveDecision(to) },
  };
}
