import { z } from 'zod';
import { HYPOTHESIS_STATUSES, ITERATION_STATUSES } from '../../db/schema';
import { Id, Ref, Timestamp } from '../../http/schemas';
import { TabularQueryFields } from '../../http/tabular';
import { HORIZONS, INITIATIVE_STATUSES } from '../initiatives/initiatives.schemas';
import { HEALTHS, IterationStatusSchema } from '../iterations/iterations.schemas';
import { TRACKED_HEALTHS } from '../tracked-metrics/tracked-metrics.schemas';

/** The filters both dashboard reads take, named as the initiatives list names them. */
const filterFields = {
  team: Ref.optional().describe('Only initiatives of this team (id or key); an unknown team is a 404'),
  theme: Ref.optional().describe('Only initiatives of this theme (id or key); an unknown theme is a 404'),
  horizon: z.enum(HORIZONS).optional().describe('Only initiatives on this horizon'),
  archived: z.enum(['true', 'false', 'all']).default('false').describe('true: archived initiatives only; all: both; false (default): live ones only'),
};

export const DashboardSummaryQuery = z.object({ ...filterFields, ...TabularQueryFields }).strict();
export type DashboardFilterQuery = Pick<z.infer<typeof DashboardSummaryQuery>, 'team' | 'theme' | 'horizon' | 'archived'>;

export const ROADMAP_GROUPS = ['theme', 'team', 'horizon'] as const;
export type RoadmapGroup = (typeof ROADMAP_GROUPS)[number];

export const DashboardRoadmapQuery = z
  .object({
    group_by: z.enum(ROADMAP_GROUPS).default('theme').describe('What the lanes are: themes (default), teams or horizons'),
    ...filterFields,
    ...TabularQueryFields,
  })
  .strict();

/** An object with one count per value of `values`, every value present (0 when none). */
const countsOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.object(Object.fromEntries(values.map((v) => [v, z.number().int().min(0)])) as Record<T[number], z.ZodNumber>);

export const OVERDUE_LIST_MAX = 50;

export const DashboardSummarySchema = z
  .object({
    initiatives_by_status: countsOf(INITIATIVE_STATUSES).describe('Initiatives matching the filters, by status'),
    iterations_by_status: countsOf(ITERATION_STATUSES).describe('Iterations of those initiatives, by status (under_construction: being built now)'),
    overdue_iterations: z
      .object({
        count: z.number().int().min(0),
        items: z
          .array(
            z.object({
              iteration_id: Id,
              initiative: z.string().describe('Initiative key'),
              number: z.number().int(),
              status: IterationStatusSchema,
              planned_end: Timestamp,
            }),
          )
          .describe(`The most overdue first (planned_end, then id), at most ${OVERDUE_LIST_MAX}`),
        truncated: z.boolean().describe(`true when count is above ${OVERDUE_LIST_MAX}, so items lists only the first ${OVERDUE_LIST_MAX}`),
      })
      .describe('Iterations past their planned_end that are not closed or abandoned (planned, under_construction or in_review)'),
    stale_iterations: z.number().int().min(0).describe('Iterations under construction or in review without a check-in within the policy interval'),
    hypotheses: countsOf(HYPOTHESIS_STATUSES)
      .extend({
        validation_rate: z
          .number()
          .nullable()
          .describe('validated / (validated + invalidated + inconclusive), over concluded hypotheses; null when none is concluded'),
      })
      .describe('Hypotheses of those iterations by status (each version counts its own, carried copies included), and the validation rate'),
    median_iteration_days: z
      .number()
      .nullable()
      .describe('Median length of closed iterations, started_at to closed_at, in days with one decimal; null when none is closed'),
    tracked_metrics_by_health: countsOf(TRACKED_HEALTHS).describe('Tracked metrics of iterations under construction or in review, by pace-based health'),
    action_items: z
      .object({
        open: z.number().int().min(0).describe('Open items, each counted once as its latest copy'),
        recurring: z.number().int().min(0).describe('Of those, the ones carried twice or more (GET /v1/action-items?status=open&recurring=true)'),
      })
      .describe('Action items of those iterations'),
  })
  .meta({ id: 'DashboardSummary' });

export type DashboardSummary = z.infer<typeof DashboardSummarySchema>;

export const RoadmapInitiativeSchema = z
  .object({
    id: Id,
    key: z.string(),
    title: z.string(),
    status: z.enum(INITIATIVE_STATUSES),
    horizon: z.enum(HORIZONS),
    team: z.string().describe('Team key'),
    theme: z.string().nullable().describe('Theme key; null without a theme'),
    current_version: z.number().int().nullable().describe('Number of the current iteration (the active one, else the latest); null before the first'),
    current_version_status: IterationStatusSchema.nullable(),
    health: z.enum(HEALTHS).nullable().describe("The current iteration's latest check-in health; null before the first"),
    stale: z.boolean().describe('The current iteration is under construction or in review without a check-in within the policy interval'),
    progress: z
      .number()
      .nullable()
      .describe(
        "Mean progress of the current iteration's tracked metrics that have one (each (current - baseline) / (target - baseline), unclamped); null when none has, or when they are too large to add up",
      ),
  })
  .meta({ id: 'RoadmapInitiative' });

export type RoadmapInitiative = z.infer<typeof RoadmapInitiativeSchema>;

export const RoadmapLaneSchema = z
  .object({
    key: z.string().nullable().describe('Theme key, team key or horizon; null for the lane of initiatives without a theme'),
    name: z.string().describe('Theme or team name, Now / Next / Later for horizons, "No theme" for the null lane'),
    initiatives: z.array(RoadmapInitiativeSchema).describe('By horizon (now, next, later), then key'),
  })
  .meta({ id: 'RoadmapLane' });

export const DashboardRoadmapSchema = z
  .object({
    group_by: z.enum(ROADMAP_GROUPS),
    lanes: z
      .array(RoadmapLaneSchema)
      .describe('Lanes holding at least one initiative: by key (the no-theme lane last), or now, next, later for horizons'),
  })
  .meta({ id: 'DashboardRoadmap' });

export type DashboardRoadmap = z.infer<typeof DashboardRoadmapSchema>;
export type RoadmapLane = z.infer<typeof RoadmapLaneSchema>;
