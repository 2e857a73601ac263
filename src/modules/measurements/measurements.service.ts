import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { inTransaction } from '../../lib/transaction';
import { ApiError, conflict, forbidden, notFound, type FieldError } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { initiativesRepo, type InitiativeView } from '../initiatives/initiatives.repo';
import { assertInitiativeWritable, resolveInitiative } from '../initiatives/initiatives.service';
import { metricsRepo, type MetricRow } from '../metrics/metrics.repo';
import { resolveMetric } from '../metrics/metrics.service';
import { teamsService } from '../teams/teams.module';
import { FROZEN_STATUSES } from '../iterations/iteration-lifecycle';
import { checkRows, MAX_ROWS, type MeasurementInput } from './measurement-rows';
import { measurementsRepo, type IterationWindow, type MeasurementRow, type MeasurementView } from './measurements.repo';
import type { Measurement } from './measurements.schemas';

export const toMeasurementDto = (r: MeasurementView): Measurement => ({
  id: r.id,
  metric: r.metricKey,
  definition_version: r.definitionVersion,
  initiative: { id: r.initiativeId, key: r.initiativeKey },
  iteration_id: r.iterationId,
  value: r.value,
  observed_at: r.observedAt,
  recorded_at: r.recordedAt,
  late: r.late,
  source: r.source,
  note: r.note,
  supersedes: r.supersedes,
  superseded_by: r.supersededBy,
  voided_at: r.voidedAt,
  void_reason: r.voidReason,
  recorded_by: { key_id: r.recordedByKeyId, name: r.recordedByName },
});

export interface Recorded {
  row: MeasurementRow;
  metricKey: string;
  initiativeKey: string;
}

const describeWindows = (windows: IterationWindow[]): string =>
  windows.length === 0
    ? 'it has no iterations yet'
    : `its iterations are ${windows
        .map((w) => `v${w.number} (${w.status}${w.startedAt ? `, from ${w.startedAt}${w.endedAt ? ` to ${w.endedAt}` : ''}` : ', not started'})`)
        .join(', ')}`;

/**
 * Records one row or a batch, all or nothing: every row is checked (its shape, then its metric,
 * initiative, iteration and the caller's right to write there) before any is written, and any
 * error rejects the whole request with every bad row and field named. Rows land on the iteration
 * whose window holds observed_at; a row in an ended iteration is kept, marked late.
 */
export function recordMeasurements(ctx: Ctx, input: unknown[], opts: { single: boolean; textValues: boolean }): Recorded[] {
  if (input.length > MAX_ROWS) {
    throw new ApiError('payload_too_large', `A request takes at most ${MAX_ROWS.toLocaleString('en-US')} measurements; this one has ${input.length}. Split it into several requests.`);
  }
  if (input.length === 0) throw new ApiError('validation_failed', 'The batch is empty; send at least one measurement.', { errors: [{ path: 'body', message: 'no rows' }] });
  const now = ctx.clock.now();
  const prefixOf = opts.single ? () => 'body' : (i: number) => `body[${i}]`;
  const checked = checkRows(input, { now, prefixOf, textValues: opts.textValues });
  if (checked.errors.length > 0) throw rowsRefused(checked.errors);

  return inTransaction(ctx.db, () => {
    const errors: FieldError[] = [];
    const recordedAt = isoNow(ctx.clock);
    const resolver = batchResolver(ctx);
    const out: Recorded[] = [];
    const superseding = new Map<string, number>();
    checked.rows.forEach((r, index) => {
      const at = prefixOf(index);
      const fail = (field: string, rule: string, message: string) => errors.push({ path: `${at}.${field}`, message, rule });
      const metric = resolver.metric(r.metric);
      if (!metric) fail('metric', 'unknown_metric', `no metric '${r.metric}' in the catalog; GET /v1/metrics lists them`);
      const target = resolver.target(r, fail);
      if (r.supersedes !== null) {
        const earlier = superseding.get(r.supersedes);
        if (earlier !== undefined) fail('supersedes', 'already_corrected', `row ${earlier} of this request already supersedes ${r.supersedes}`);
        else superseding.set(r.supersedes, index);
        const old = resolver.measurement(r.supersedes);
        if (!old) fail('supersedes', 'unknown_measurement', `no measurement '${r.supersedes}'`);
        else if (old.voidedAt || old.supersededBy) fail('supersedes', 'already_corrected', `measurement ${old.id} is already ${old.voidedAt ? 'voided' : `superseded by ${old.supersededBy}`}`);
        else if (metric && old.metricId !== metric.id) fail('supersedes', 'different_metric', `measurement ${old.id} is of metric '${old.metricKey}', not '${metric.key}'`);
      }
      if (!metric || !target || errors.length > 0) return;
      out.push({
        metricKey: metric.key,
        initiativeKey: target.initiative.key,
        row: {
          id: newId('msr'),
          metricId: metric.id,
          definitionVersion: metric.definitionVersion,
          iterationId: target.window.id,
          initiativeId: target.initiative.id,
          value: r.value,
          observedAt: r.observed_at,
          recordedAt,
          late: FROZEN_STATUSES.includes(target.window.status as never),
          source: r.source,
          note: r.note,
          supersedes: r.supersedes,
          supersededBy: null,
          voidedAt: null,
          voidReason: null,
          recordedByKeyId: ctx.actor.keyId,
          recordedByName: ctx.actor.name,
        },
      });
    });
    // One object is refused like any other write the key may not make; a batch names its rows.
    if (opts.single && errors.length > 0 && errors.every((e) => e.rule === 'forbidden_team')) throw forbidden(errors[0]?.message ?? '');
    if (errors.length > 0) throw rowsRefused(errors);

    const repo = measurementsRepo(ctx.db);
    for (const { row } of out) {
      repo.insert(row);
      if (row.supersedes !== null) repo.supersede(row.supersedes, row.id);
    }
    const first = out[0]?.row.id ?? '';
    const last = out[out.length - 1]?.row.id ?? '';
    recordActivity(ctx, {
      action: 'measurements.recorded',
      entityType: 'measurement',
      entityId: first,
      before: null,
      after: { count: out.length, first_id: first, last_id: last },
    });
    return out;
  });
}

function rowsRefused(errors: FieldError[]): ApiError {
  const onlyWindows = errors.every((e) => e.rule === 'no_iteration');
  const shown = errors.slice(0, 1000);
  const more = errors.length > shown.length ? ` (the first ${shown.length} of ${errors.length} are listed)` : '';
  return new ApiError(
    onlyWindows ? 'no_iteration' : 'invalid_rows',
    onlyWindows
      ? `No iteration of the initiative was running at observed_at; name the iteration, or send an observed_at inside one. Nothing was recorded${more}.`
      : `Some rows cannot be recorded; errors[] names each row and field with the rule it breaks. Nothing was recorded${more}.`,
    { errors: shown },
  );
}

type Fail = (field: string, rule: string, message: string) => void;

/** Lookups for one request, each made once however many rows repeat it. */
function batchResolver(ctx: Ctx) {
  const metrics = new Map<string, MetricRow | undefined>();
  const initiatives = new Map<string, InitiativeView | undefined>();
  const refusals = new Map<string, ApiError | null>();
  const repo = measurementsRepo(ctx.db);

  const initiative = (ref: string) => {
    if (!initiatives.has(ref)) initiatives.set(ref, initiativesRepo(ctx.db).find(ref));
    return initiatives.get(ref);
  };
  /** Why the caller may not write for this initiative (forbidden, or frozen when archived), or null when it may. */
  const refusal = (v: InitiativeView): ApiError | null => {
    if (!refusals.has(v.id)) {
      try {
        assertInitiativeWritable(ctx, v);
        refusals.set(v.id, null);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        refusals.set(v.id, err);
      }
    }
    return refusals.get(v.id) ?? null;
  };

  return {
    metric(key: string) {
      if (!metrics.has(key)) metrics.set(key, metricsRepo(ctx.db).findByKey(key));
      return metrics.get(key);
    },
    measurement: (id: string) => repo.findById(id),
    /** The initiative and iteration a row lands on, or undefined after reporting why not. */
    target(r: MeasurementInput, fail: Fail): { initiative: InitiativeView; window: IterationWindow } | undefined {
      let v: InitiativeView | undefined;
      if (r.initiative !== undefined) {
        v = initiative(r.initiative);
        if (!v) return void fail('initiative', 'unknown_initiative', `no initiative '${r.initiative}'`);
      }
      let window: IterationWindow | undefined;
      if (r.iteration !== undefined) {
        const named = repo.windowById(r.iteration);
        if (!named) return void fail('iteration', 'unknown_iteration', `no iteration '${r.iteration}'`);
        if (v && named.initiativeId !== v.id) return void fail('iteration', 'iteration_mismatch', `iteration ${named.id} belongs to another initiative than '${v.key}'`);
        v ??= initiative(named.initiativeId);
        if (named.startedAt === null) return void fail('iteration', 'no_iteration', `v${named.number} has not started; measurements land on started iterations`);
        window = named;
      }
      if (!v) return undefined;
      const refused = refusal(v);
      if (refused) {
        return void fail(r.initiative !== undefined ? 'initiative' : 'iteration', refused.code === 'frozen' ? 'initiative_archived' : 'forbidden_team', refused.detail);
      }
      window ??= repo.windowAt(v.id, r.observed_at);
      if (!window) {
        return void fail('observed_at', 'no_iteration', `no iteration of '${v.key}' was running at ${r.observed_at}: ${describeWindows(repo.windowsOf(v.id))}; send an observed_at inside one, or name the iteration`);
      }
      return { initiative: v, window };
    },
  };
}

export function getMeasurement(ctx: Ctx, id: string): Measurement {
  const row = measurementsRepo(ctx.db).findById(id);
  if (!row) throw notFound('measurement', id);
  return toMeasurementDto(row);
}

/** A void takes a row out of every computation and keeps it, with the reason, in the ledger. */
export function voidMeasurement(ctx: Ctx, id: string, reason: string): Measurement {
  return inTransaction(ctx.db, () => {
    const repo = measurementsRepo(ctx.db);
    const row = repo.findById(id);
    if (!row) throw notFound('measurement', id);
    assertInitiativeWritable(ctx, resolveInitiative(ctx, row.initiativeId));
    if (row.voidedAt || row.supersededBy) {
      throw conflict(`Measurement ${id} is already ${row.voidedAt ? `voided (${row.voidedAt})` : `superseded by ${row.supersededBy}`}; it counts no more.`);
    }
    repo.void(id, isoNow(ctx.clock), reason);
    const after = repo.findById(id);
    if (!after) throw notFound('measurement', id);
    const dto = toMeasurementDto(after);
    recordActivity(ctx, { action: 'measurement.voided', entityType: 'measurement', entityId: id, before: toMeasurementDto(row), after: dto });
    return dto;
  });
}

export function listMeasurements(
  ctx: Ctx,
  q: { metric?: string; initiative?: string; iteration?: string; team?: string; source?: string; from?: string; to?: string; include_voided: 'true' | 'false' },
  page: PageRequest,
) {
  const rows = measurementsRepo(ctx.db).list(
    {
      metricId: q.metric === undefined ? undefined : resolveMetric(ctx, q.metric).id,
      initiativeId: q.initiative === undefined ? undefined : resolveInitiative(ctx, q.initiative).id,
      iterationId: q.iteration,
      teamId: q.team === undefined ? undefined : teamsService.resolve(ctx, q.team).id,
      source: q.source,
      from: q.from,
      to: q.to,
      includeVoided: q.include_voided === 'true',
    },
    { limit: page.limit, cursor: page.cursor },
  );
  return toPage(rows, page.limit, (r) => r.id, toMeasurementDto);
}
