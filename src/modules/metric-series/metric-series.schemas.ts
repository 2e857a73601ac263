import { z } from 'zod';
import { EntityRef, Ref } from '../../http/schemas';
import { TabularQueryFields } from '../../http/tabular';
import { MetricDefinitionSchema } from '../metrics/metrics.schemas';
import { DayBound } from './day-bounds';

export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const BUCKET_RULE =
  'day: the UTC day; week: the ISO week, Monday to Sunday, named by its Monday; month: the calendar month, named by its first day';

const Day = z.iso.date().describe('YYYY-MM-DD (UTC)');

/** Filters shared by the series and the comparison: the team of the initiatives counted. */
export const TeamFilter = Ref.optional().describe("Only this team's initiatives (key or id); an unknown team is a 404");

export const MetricSeriesQuery = z
  .object({
    interval: z.enum(INTERVALS).default('week').describe(`Bucket size, week by default. ${BUCKET_RULE}`),
    team: TeamFilter,
    initiative: Ref.optional().describe('Only this initiative (key or id); an unknown initiative is a 404'),
    from: DayBound.optional().describe(
      'First UTC day counted, inclusive: a date (2026-01-05) or an RFC 3339 timestamp, whose whole UTC day counts',
    ),
    to: DayBound.optional().describe(
      'End, exclusive: a date (2026-02-01 leaves that day out) or an RFC 3339 timestamp (its day counts unless it is midnight)',
    ),
    ...TabularQueryFields,
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `must be after from (${q.from})` });
    }
  });

export type MetricSeriesFilters = z.infer<typeof MetricSeriesQuery>;

export const SeriesPointSchema = z.object({
  bucket: Day.describe('The first day of the bucket'),
  value: z.number().describe("The bucket's measurements rolled up by this definition's aggregation"),
  count: z.number().int().min(1).describe('Live measurements in the bucket'),
});

/** One definition version and its points; measurements of different versions are never mixed. */
export const DefinitionSeriesSchema = z
  .object({
    ...MetricDefinitionSchema.shape,
    points: z.array(SeriesPointSchema).describe('Oldest bucket first; buckets without a live measurement are left out'),
  })
  .meta({ id: 'MetricDefinitionSeries' });

export const MetricSeriesSchema = z
  .object({
    metric: z.object({ key: z.string(), name: z.string(), definition_version: z.number().int().min(1).describe('The current definition') }),
    interval: z.enum(INTERVALS),
    from: Day.nullable().describe('The first day counted; null without from'),
    to: Day.nullable().describe('The first day no longer counted; null without to'),
    team: EntityRef.nullable().describe('The team filter, if any'),
    initiative: EntityRef.nullable().describe('The initiative filter, if any'),
    series: z.array(DefinitionSeriesSchema).describe('One series per definition version of the metric, oldest first'),
  })
  .meta({
    id: 'MetricSeries',
    description: "A metric over time, one series per definition version, from the daily rollups of its live measurements",
  });

export type MetricSeries = z.infer<typeof MetricSeriesSchema>;
