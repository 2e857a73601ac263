import { z } from 'zod';
import { DIRECTIONS, UNITS } from '../../db/schema/metrics';
import { HYPOTHESIS_STATUSES } from '../../db/schema';
import { Id, Timestamp } from '../../http/schemas';
import { TabularQueryFields } from '../../http/tabular';
import { HORIZONS, INITIATIVE_STATUSES } from '../initiatives/initiatives.schemas';
import { DecisionSchema, HEALTHS, IterationStatusSchema } from '../iterations/iterations.schemas';
import { LearningSchema } from '../retrospectives/retrospectives.schemas';
import { HEALTH_RULE, PROGRESS_RULE, TRACKED_HEALTHS } from '../tracked-metrics/tracked-metrics.schemas';

export const ProgressQuery = z.object(TabularQueryFields).strict();

export const ProgressMetricSchema = z
  .object({
    metric: z.string().describe('Catalog metric key'),
    definition_version: z.number().int().min(1).describe("The metric's current definition, whose measurements current counts"),
    unit: z.enum(UNITS),
    direction: z.enum(DIRECTIONS),
    baseline: z.number().nullable(),
    current: z.number().nullable().describe("The metric's aggregation over this version's live measurements; null without any"),
    target: z.number().nullable(),
    progress: z.number().nullable().describe(PROGRESS_RULE),
    health: z.enum(TRACKED_HEALTHS).describe(HEALTH_RULE),
  })
  .meta({ id: 'ProgressTrackedMetric', description: 'A tracked metric of a version, computed as GET /v1/iterations/{id}/metrics computes it' });

const count = z.number().int().min(0);

export const ProgressVersionSchema = z
  .object({
    number: z.number().int(),
    id: Id,
    title: z.string(),
    status: IterationStatusSchema,
    planned_start: Timestamp.nullable(),
    planned_end: Timestamp.nullable(),
    started_at: Timestamp.nullable(),
    closed_at: Timestamp.nullable(),
    abandoned_at: Timestamp.nullable(),
    days_taken: z
      .number()
      .nullable()
      .describe('Days from started_at to closed_at or abandoned_at, or to now while under construction or in review; one decimal (halves up); null if never started'),
    health: z.enum(HEALTHS).nullable().describe("The latest check-in's health; null before the first"),
    stale: z.boolean().describe('Under construction or in review, and no check-in within the policy interval'),
    hypotheses: z
      .object(Object.fromEntries(HYPOTHESIS_STATUSES.map((s) => [s, count])) as Record<(typeof HYPOTHESIS_STATUSES)[number], typeof count>)
      .describe("The version's hypotheses by status (proposed, testing) or concluded result"),
    tracked_metrics: z.array(ProgressMetricSchema).describe('By metric key'),
    decision: DecisionSchema.nullable().describe('The closing decision; null until the version is closed'),
    learnings: z.array(LearningSchema).nullable().describe("The retrospective's learnings; null without a retrospective"),
  })
  .meta({ id: 'ProgressVersion' });

export const InitiativeProgressSchema = z
  .object({
    initiative: z.object({
      id: Id,
      key: z.string(),
      title: z.string(),
      team: z.string().describe('Team key'),
      theme: z.string().nullable().describe('Theme key; null without a theme'),
      horizon: z.enum(HORIZONS),
      status: z.enum(INITIATIVE_STATUSES),
      archived_at: Timestamp.nullable(),
    }),
    versions: z.array(ProgressVersionSchema).describe('Every iteration, by number'),
  })
  .meta({ id: 'InitiativeProgress' });

export type InitiativeProgress = z.infer<typeof InitiativeProgressSchema>;
export type ProgressVersion = z.infer<typeof ProgressVersionSchema>;
export type ProgressMetric = z.infer<typeof ProgressMetricSchema>;
