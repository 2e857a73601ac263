import { z } from 'zod';
import { DECISIONS, ITERATION_STATUSES } from '../../db/schema';
import { AGGREGATIONS, DIRECTIONS, UNITS } from '../../db/schema/metrics';
import { Id, Ref, Timestamp, TimestampInput } from '../../http/schemas';
import { TabularQueryFields } from '../../http/tabular';
import { MAX_ITEMS } from '../../http/limits';
import { HEALTHS } from '../iterations/iterations.schemas';
import { HEALTH_RULE, PROGRESS_RULE, TRACKED_HEALTHS } from '../tracked-metrics/tracked-metrics.schemas';

export const MAX_METRIC_KEYS = MAX_ITEMS.metricKeys;

/** `metric=win_rate,deal_size`: one or more catalog keys (an export often wants a few series at once). */
const MetricKeys = z
  .string()
  .max(4000)
  .transform((text, ctx) => {
    const keys = [...new Set(text.split(',').map((k) => k.trim()).filter((k) => k !== ''))];
    if (keys.length === 0 || keys.length > MAX_METRIC_KEYS) {
      ctx.addIssue({ code: 'custom', message: `name 1 to ${MAX_METRIC_KEYS} metric keys, separated by commas` });
      return z.NEVER;
    }
    return keys;
  })
  .describe('A metric key, or several separated by commas (win_rate,deal_size); an unknown key is a 404');

/** The filters both exports take. */
function exportQuery(from: string, to: string) {
  return z
    .object({
      ...TabularQueryFields,
      from: TimestampInput.optional().describe(from),
      to: TimestampInput.optional().describe(to),
      team: Ref.optional().describe("Team key or id: its initiatives' rows (404 when unknown)"),
      theme: Ref.optional().describe("Theme key or id: its initiatives' rows (404 when unknown)"),
      initiative: Ref.optional().describe('Initiative key or id (404 when unknown)'),
      metric: MetricKeys.optional(),
    })
    .strict()
    .superRefine((q, ctx) => {
      // Both are normalized to fixed-width UTC, so comparing the text compares the instants.
      if (q.from !== undefined && q.to !== undefined && q.from >= q.to) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from (from is inclusive, to exclusive)' });
      }
    });
}

export const MeasurementExportQuery = exportQuery(
  'RFC 3339; rows observed at or after this instant (inclusive)',
  'RFC 3339; rows observed before this instant (exclusive)',
);

export const ProgressExportQuery = exportQuery(
  'RFC 3339; versions whose span ends after this instant (or has not ended)',
  'RFC 3339; versions whose span starts before this instant (exclusive)',
);
/** Both exports take the same filters (they differ in what from and to apply to). */
export type ExportFilters = z.infer<typeof MeasurementExportQuery>;

export const MeasurementExportRow = z
  .object({
    measurement_id: Id,
    metric: z.string().describe('Metric key'),
    definition_version: z.number().int().describe('The definition of the metric the value was logged under'),
    unit: z.enum(UNITS).describe('Unit of that definition'),
    currency_code: z.string().nullable().describe('ISO 4217 code when unit is currency'),
    team: z.string().describe("Key of the initiative's team (its team now, if it moved)"),
    theme: z.string().nullable().describe("Key of the initiative's theme now; null without one"),
    initiative: z.string().describe('Initiative key'),
    iteration_id: Id,
    iteration_number: z.number().int().describe('The version the value belongs to'),
    value: z.number(),
    observed_at: Timestamp,
    recorded_at: Timestamp,
    late: z.boolean().describe('Logged into an iteration that had already ended'),
    source: z.string().nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'MeasurementExportRow', description: 'One live measurement (neither voided nor superseded).' });

export type MeasurementExportRow = z.infer<typeof MeasurementExportRow>;
export const MeasurementExport = z.array(MeasurementExportRow).describe('A bare JSON array, one element per measurement, in id order');

/** Column order of the CSV form: the row schema's, so both forms list the same fields. */
export const MEASUREMENT_COLUMNS = Object.keys(MeasurementExportRow.shape) as (keyof MeasurementExportRow & string)[];

export const ProgressExportRow = z
  .object({
    team: z.string().describe('Team key'),
    theme: z.string().nullable().describe('Theme key; null without one'),
    initiative: z.string().describe('Initiative key'),
    iteration_id: Id,
    version: z.number().int().describe('The iteration number: 1, 2, 3 ...'),
    status: z.enum(ITERATION_STATUSES),
    planned_start: Timestamp.nullable(),
    planned_end: Timestamp.nullable(),
    started_at: Timestamp.nullable(),
    closed_at: Timestamp.nullable(),
    abandoned_at: Timestamp.nullable(),
    decision: z.enum(DECISIONS).nullable().describe('The retrospective decision, once closed'),
    health: z.enum(HEALTHS).nullable().describe('Health of the latest check-in; null before the first'),
    metric: z.string().nullable().describe('Key of the tracked metric; null (with every metric column) for a version tracking none'),
    definition_version: z.number().int().nullable().describe('The current definition of the metric, whose measurements current counts'),
    unit: z.enum(UNITS).nullable(),
    direction: z.enum(DIRECTIONS).nullable(),
    aggregation: z.enum(AGGREGATIONS).nullable(),
    baseline: z.number().nullable(),
    target: z.number().nullable(),
    current: z.number().nullable().describe("The metric's aggregation over the version's live measurements; null without any"),
    measurements_count: z.number().int().nullable().describe('Live measurements counted in current'),
    progress: z.number().nullable().describe(`Progress from baseline to target: ${PROGRESS_RULE}`),
    metric_health: z.enum(TRACKED_HEALTHS).nullable().describe(`Computed at each read: ${HEALTH_RULE}`),
  })
  .meta({ id: 'ProgressExportRow', description: 'One tracked metric of one version, with the version it belongs to.' });

export type ProgressExportRow = z.infer<typeof ProgressExportRow>;
export const ProgressExport = z.array(ProgressExportRow).describe('A bare JSON array, one element per (version, tracked metric)');
export const PROGRESS_COLUMNS = Object.keys(ProgressExportRow.shape) as (keyof ProgressExportRow & string)[];
