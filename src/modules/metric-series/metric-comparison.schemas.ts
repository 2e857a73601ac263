import { z } from 'zod';
import { ITERATION_STATUSES } from '../../db/schema/iterations';
import { EntityRef, Id, Timestamp } from '../../http/schemas';
import { TabularQueryFields } from '../../http/tabular';
import { MetricDefinitionSchema } from '../metrics/metrics.schemas';
import { HEALTH_RULE, PROGRESS_RULE, TRACKED_HEALTHS } from '../tracked-metrics/tracked-metrics.schemas';
import { TeamFilter } from './metric-series.schemas';

export const INITIATIVE_STATUSES = ['active', 'adopted', 'stopped'] as const;

export const LIFT_RULE =
  "lift = current - baseline when the definition's direction is increase, baseline - current when it is decrease, so a positive lift is always an improvement; " +
  'relative_lift = lift / |baseline|. Both null when current or baseline is null; relative_lift also when baseline is 0, or so close to 0 that the ratio is too large to represent.';

export const MetricComparisonQuery = z
  .object({
    team: TeamFilter,
    initiative_status: z.enum(INITIATIVE_STATUSES).optional().describe('Only initiatives with this status'),
    iteration_status: z.enum(ITERATION_STATUSES).optional().describe('Only iterations with this status'),
    current_only: z
      .enum(['true', 'false'])
      .default('false')
      .describe("true: only each initiative's current iteration (the active one, otherwise the highest number)"),
    ...TabularQueryFields,
  })
  .strict();

export type MetricComparisonFilters = z.infer<typeof MetricComparisonQuery>;

export const ComparisonRowSchema = z.object({
  team: EntityRef,
  initiative: z.object({ id: Id, key: z.string(), title: z.string(), status: z.enum(INITIATIVE_STATUSES) }),
  iteration: z.object({ id: Id, number: z.number().int().min(1).describe('The version number'), status: z.enum(ITERATION_STATUSES) }),
  tracked_metric_id: Id,
  baseline: z.number().nullable(),
  current: z
    .number()
    .nullable()
    .describe("This definition's aggregation over the iteration's live measurements logged under it; null without any"),
  target: z.number().nullable(),
  lift: z.number().nullable().describe(`Improvement over the baseline: ${LIFT_RULE}`),
  relative_lift: z.number().nullable().describe('lift / |baseline|; null when baseline is 0 or either is null'),
  progress: z.number().nullable().describe(`Progress from baseline to target: ${PROGRESS_RULE}`),
  health: z.enum(TRACKED_HEALTHS).describe(HEALTH_RULE),
  measurements_count: z.number().int().min(0).describe('Live measurements counted in current'),
  last_observed_at: Timestamp.nullable(),
});

export type ComparisonRow = z.infer<typeof ComparisonRowSchema>;

export const ComparisonGroupSchema = z
  .object({
    ...MetricDefinitionSchema.shape,
    rows: z
      .array(ComparisonRowSchema)
      .describe('One per tracked metric measured under this definition (the current definition also holds those without measurements), by team key, initiative key, version number'),
  })
  .meta({ id: 'MetricComparisonGroup' });

export const MetricComparisonSchema = z
  .object({
    metric: z.object({ key: z.string(), name: z.string(), definition_version: z.number().int().min(1).describe('The current definition') }),
    definition_versions: z
      .array(ComparisonGroupSchema)
      .describe('The current definition first (always present, possibly without rows), then older ones that have rows, newest first'),
  })
  .meta({
    id: 'MetricComparison',
    description: "A metric across teams and initiatives: each tracked metric's lift over its baseline, grouped by definition version",
  });

export type MetricComparison = z.infer<typeof MetricComparisonSchema>;
export type ComparisonGroup = z.infer<typeof ComparisonGroupSchema>;
