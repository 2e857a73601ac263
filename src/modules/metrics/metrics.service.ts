import type { Ctx } from '../../lib/context';
import { isoNow } from '../../lib/clock';
import { newId } from '../../lib/ids';
import { assertAdmin, assertCanWriteTeam } from '../../lib/permissions';
import { inTransaction } from '../../lib/transaction';
import { assertIfMatch } from '../../http/etag';
import { conflict, notFound, validationFailed } from '../../http/problems';
import { toPage, type PageRequest } from '../../http/pagination';
import { recordActivity } from '../activity/activity.service';
import { teamsService } from '../teams/teams.module';
import { metricsRepo, type MetricDefinitionRow, type MetricRow, type MetricView } from './metrics.repo';
import type { CreateMetricInput, Metric, MetricDefinition, MetricListFilters, UpdateMetricInput } from './metrics.schemas';

export type { MetricRow, MetricView } from './metrics.repo';

export function toMetricDto(v: MetricView): Metric {
  return {
    id: v.id,
    key: v.key,
    name: v.name,
    description: v.description,
    unit: v.unit,
    currency_code: v.unit === 'currency' ? v.currencyCode : null,
    direction: v.direction,
    aggregation: v.aggregation,
    scope: v.scope,
    team: v.teamId && v.teamKey ? { id: v.teamId, key: v.teamKey } : null,
    definition_version: v.definitionVersion,
    version: v.version,
    created_at: v.createdAt,
    updated_at: v.updatedAt,
  };
}

/** A metric by key (or id), with its owning team's key, or 404. */
export function resolveMetric(ctx: Pick<Ctx, 'db'>, key: string): MetricView {
  const view = metricsRepo(ctx.db).find(key);
  if (!view) throw notFound('metric', key);
  return view;
}

/** Central metrics are the admins'; a team metric is also its team's editors'. */
function assertCanWriteMetric(ctx: Ctx, m: Pick<MetricView, 'teamId' | 'teamKey'>): void {
  if (m.teamId) assertCanWriteTeam(ctx.actor, m.teamId, m.teamKey ?? m.teamId);
  else assertAdmin(ctx.actor);
}

/** A currency code goes with unit currency, and only with it. */
function assertCurrency(unit: MetricRow['unit'], currencyCode: string | null | undefined): void {
  if (unit === 'currency' && !currencyCode) {
    throw validationFailed([{ path: 'body.currency_code', message: 'required when unit is currency (an ISO 4217 code such as EUR)' }]);
  }
  if (unit !== 'currency' && currencyCode) {
    throw validationFailed([{ path: 'body.currency_code', message: `only for unit currency; this metric's unit is ${unit}` }]);
  }
}

export function listMetrics(ctx: Ctx, f: MetricListFilters, page: PageRequest) {
  const rows = metricsRepo(ctx.db).list(
    { scope: f.scope, teamId: f.team ? teamsService.resolve(ctx, f.team).id : undefined, unit: f.unit, q: f.q },
    { limit: page.limit, cursor: page.cursor },
  );
  return toPage(rows, page.limit, (r) => r.id, toMetricDto);
}

export const getMetric = (ctx: Ctx, key: string): Metric => toMetricDto(resolveMetric(ctx, key));

export function createMetric(ctx: Ctx, input: CreateMetricInput): Metric {
  const scope = input.scope ?? (input.team === undefined ? 'central' : 'team');
  if (scope === 'central' && input.team !== undefined) {
    throw validationFailed([{ path: 'body.team', message: 'a central metric has no team; leave team out or use scope team' }]);
  }
  if (scope === 'team' && input.team === undefined) {
    throw validationFailed([{ path: 'body.team', message: 'a team metric needs its team (id or key)' }]);
  }
  const team = input.team === undefined ? null : teamsService.resolve(ctx, input.team);
  if (team) assertCanWriteTeam(ctx.actor, team.id, team.key);
  else assertAdmin(ctx.actor);
  assertCurrency(input.unit, input.currency_code);

  return inTransaction(ctx.db, () => {
    const repo = metricsRepo(ctx.db);
    if (repo.keyExists(input.key)) throw conflict(`A metric with key '${input.key}' already exists.`);
    const now = isoNow(ctx.clock);
    const row: MetricRow = {
      id: newId('met'),
      key: input.key,
      name: input.name,
      description: input.description,
      unit: input.unit,
      currencyCode: input.currency_code ?? null,
      direction: input.direction,
      aggregation: input.aggregation,
      scope,
      teamId: team?.id ?? null,
      definitionVersion: 1,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    repo.insert(row);
    repo.insertDefinition({ metricId: row.id, ...definitionOf(row), definitionVersion: 1, createdAt: now });
    const dto = toMetricDto({ ...row, teamKey: team?.key ?? null });
    recordActivity(ctx, { action: 'metric.created', entityType: 'metric', entityId: row.id, before: null, after: dto });
    return dto;
  });
}

const definitionOf = (m: Pick<MetricRow, 'unit' | 'currencyCode' | 'direction' | 'aggregation'>) => ({
  unit: m.unit,
  currencyCode: m.currencyCode,
  direction: m.direction,
  aggregation: m.aggregation,
});

const sameDefinition = (a: MetricRow, b: MetricRow): boolean =>
  JSON.stringify(definitionOf(a)) === JSON.stringify(definitionOf(b));

/**
 * Name and description change in place. A new unit, currency, direction or aggregation starts a
 * new definition version once measurements exist (they keep the version they were logged under);
 * before that the current definition is simply corrected.
 */
export function updateMetric(ctx: Ctx, key: string, input: UpdateMetricInput, ifMatch?: string): Metric {
  return inTransaction(ctx.db, () => {
    const current = resolveMetric(ctx, key);
    assertCanWriteMetric(ctx, current);
    const before = toMetricDto(current);
    assertIfMatch(ifMatch, before);

    const unit = input.unit ?? current.unit;
    // Leaving unit currency drops the code unless one is sent (which is then refused).
    const currencyCode = input.currency_code !== undefined ? input.currency_code : unit === 'currency' ? current.currencyCode : null;
    assertCurrency(unit, currencyCode);
    const next: MetricView = {
      ...current,
      name: input.name ?? current.name,
      description: input.description ?? current.description,
      unit,
      currencyCode,
      direction: input.direction ?? current.direction,
      aggregation: input.aggregation ?? current.aggregation,
    };
    if (JSON.stringify(toMetricDto(next)) === JSON.stringify(before)) return before;

    const repo = metricsRepo(ctx.db);
    const now = isoNow(ctx.clock);
    if (!sameDefinition(current, next)) {
      if (repo.hasMeasurements(current.id)) {
        next.definitionVersion = current.definitionVersion + 1;
        repo.insertDefinition({ metricId: current.id, ...definitionOf(next), definitionVersion: next.definitionVersion, createdAt: now });
      } else {
        repo.updateDefinition(current.id, current.definitionVersion, definitionOf(next));
      }
    }
    return save(ctx, before, { ...next, version: current.version + 1, updatedAt: now }, 'metric.updated');
  });
}

/** A team metric becomes central: same id and key, its measurements and definitions kept. */
export function promoteMetric(ctx: Ctx, key: string, ifMatch?: string): Metric {
  assertAdmin(ctx.actor);
  return inTransaction(ctx.db, () => {
    const current = resolveMetric(ctx, key);
    const before = toMetricDto(current);
    assertIfMatch(ifMatch, before);
    if (current.scope === 'central') throw conflict(`Metric '${current.key}' is already central.`);
    const next: MetricView = { ...current, scope: 'central', teamId: null, teamKey: null, version: current.version + 1, updatedAt: isoNow(ctx.clock) };
    return save(ctx, before, next, 'metric.promoted');
  });
}

function save(ctx: Ctx, before: Metric, next: MetricView, action: string): Metric {
  const { teamKey: _teamKey, id, ...fields } = next;
  metricsRepo(ctx.db).update(id, fields);
  const after = toMetricDto(next);
  recordActivity(ctx, { action, entityType: 'metric', entityId: id, before, after });
  return after;
}

/** A definition as every read shows it (the metric's own list, series, comparison). */
export const toDefinitionDto =
  (currentVersion: number) =>
  (d: Omit<MetricDefinitionRow, 'metricId'>): MetricDefinition => ({
    definition_version: d.definitionVersion,
    unit: d.unit,
    currency_code: d.unit === 'currency' ? d.currencyCode : null,
    direction: d.direction,
    aggregation: d.aggregation,
    created_at: d.createdAt,
    current: d.definitionVersion === currentVersion,
  });

export function listMetricDefinitions(ctx: Ctx, key: string, page: PageRequest<number>) {
  const metric = resolveMetric(ctx, key);
  const rows = metricsRepo(ctx.db).definitions(metric.id, page);
  return toPage(rows, page.limit, (d) => d.definitionVersion, toDefinitionDto(metric.definitionVersion));
}
