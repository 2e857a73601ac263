import { z } from 'zod';
import { AGGREGATIONS, DIRECTIONS, UNITS } from '../../db/schema/metrics';
import { Id, Ref, Timestamp, versionedFields } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { boundedNumber } from '../../http/limits';

export const TRACKED_HEALTHS = ['on_track', 'at_risk', 'off_track', 'achieved', 'no_data'] as const;
export type TrackedHealth = (typeof TRACKED_HEALTHS)[number];

/** The rule, stated once: it documents `progress` and `health` in the OpenAPI document. */
export const PROGRESS_RULE =
  '(current - baseline) / (target - baseline): 0 at the baseline, 1 at the target, whichever way the metric is good ' +
  '(a decrease-is-good metric has its target below its baseline). Null when current, baseline or target is null, or target equals baseline (or is so close to it that the ratio is too large to represent).';

export const HEALTH_RULE =
  'no_data without live measurements; achieved when progress >= 1; otherwise progress against the elapsed share of the ' +
  'time box (planned_start, or started_at when no start was planned, to planned_end; the share is clamped to 0..1 at now): ' +
  'on_track when progress >= share - 0.10, at_risk when >= share - 0.25, off_track below. Without a time box (no planned_end, ' +
  'or no start at all): on_track when progress > 0, else at_risk. With measurements but no progress (baseline or target ' +
  'missing, or equal): at_risk, since nothing shows the metric is moving the right way; set both to get a real reading.';

const Baseline = boundedNumber().nullable().describe('The value the iteration starts from; null when not known yet');
const Target = boundedNumber().nullable().describe('The value the iteration aims for; below the baseline for a decrease-is-good metric');

export const TrackedMetricSchema = z
  .object({
    id: Id,
    iteration_id: Id,
    metric: z
      .object({
        key: z.string(),
        name: z.string(),
        unit: z.enum(UNITS),
        currency_code: z.string().nullable().describe('ISO 4217 code when unit is currency, else null'),
        direction: z.enum(DIRECTIONS).describe('Which way is good'),
        aggregation: z.enum(AGGREGATIONS).describe('How the live measurements roll up into current'),
        definition_version: z.number().int().min(1).describe('The definition whose measurements current counts'),
      })
      .describe("The catalog metric, as currently defined"),
    baseline: Baseline,
    target: Target,
    current: z
      .number()
      .nullable()
      .describe(
        "The metric's aggregation over this iteration's live measurements of its current definition version (latest, sum, average, min or max); null without any",
      ),
    measurements_count: z.number().int().min(0).describe('Live measurements counted in current'),
    last_observed_at: Timestamp.nullable().describe('Observation time of the newest live measurement; null without any'),
    progress: z.number().nullable().describe(`Progress from baseline to target: ${PROGRESS_RULE}`),
    health: z.enum(TRACKED_HEALTHS).describe(`Computed at each read: ${HEALTH_RULE}`),
    carried_from: Id.nullable().describe('The tracked metric of the previous version this one was carried from'),
    ...versionedFields,
  })
  .meta({ id: 'TrackedMetric' });

export type TrackedMetric = z.infer<typeof TrackedMetricSchema>;

export const TrackMetricBody = z
  .object({
    metric: Ref.describe('Key of a catalog metric, e.g. win_rate'),
    baseline: Baseline.optional(),
    target: Target.optional(),
  })
  .strict()
  .meta({ example: { metric: 'win_rate', baseline: 0.18, target: 0.25 } });

export type TrackMetricInput = z.infer<typeof TrackMetricBody>;

export const UpdateTrackedMetricBody = z
  .object({ baseline: Baseline, target: Target })
  .partial()
  .strict()
  .meta({ example: { target: 0.27 } });

export type UpdateTrackedMetricInput = z.infer<typeof UpdateTrackedMetricBody>;

export const TrackedMetricParams = z
  .object({
    id: Ref.describe('Iteration id'),
    metric_key: Ref.describe('Key of the tracked metric, e.g. win_rate'),
  })
  .strict();

export const TrackedMetricListQuery = PageQuery.strict();

export const TrackedMetricPage = pageSchema(TrackedMetricSchema);
