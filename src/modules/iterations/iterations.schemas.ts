import { z } from 'zod';
import { DECISIONS, ITERATION_STATUSES } from '../../db/schema';
import { EntityRef, Id, Timestamp, TimestampInput, versionedFields } from '../../http/schemas';
import { NumberedPageQuery, pageSchema } from '../../http/pagination';
import { MAX_LENGTH } from '../../http/limits';
import { ACTIONS } from './iteration-lifecycle';

export const HEALTHS = ['on_track', 'at_risk', 'off_track'] as const;

export const IterationStatusSchema = z.enum(ITERATION_STATUSES);
export const DecisionSchema = z
  .enum(DECISIONS)
  .describe('persevere or pivot keep the initiative active; adopt completes it as adopted; stop ends it as stopped');

const health = {
  health: z.enum(HEALTHS).nullable().describe('Health of the latest check-in; null before the first'),
  stale: z.boolean().describe('Active, and no check-in within the check-in interval'),
};

/** The iteration an initiative shows: the active one, otherwise the most recent by number. */
export const CurrentIterationSchema = z
  .object({
    id: Id,
    number: z.number().int(),
    status: IterationStatusSchema,
    ...health,
    planned_start: Timestamp.nullable(),
    planned_end: Timestamp.nullable(),
  })
  .meta({ id: 'CurrentIteration' });

export type CurrentIteration = z.infer<typeof CurrentIterationSchema>;

export const IterationSchema = z
  .object({
    id: Id,
    initiative: EntityRef,
    number: z.number().int().describe('1, 2, 3 ... per initiative, never reused'),
    title: z.string(),
    goal: z.string(),
    planned_start: Timestamp.nullable(),
    planned_end: Timestamp.nullable(),
    status: IterationStatusSchema,
    started_at: Timestamp.nullable(),
    review_started_at: Timestamp.nullable(),
    closed_at: Timestamp.nullable(),
    abandoned_at: Timestamp.nullable(),
    decision: DecisionSchema.nullable(),
    outcome: z.string().nullable(),
    based_on: z.object({ id: Id, number: z.number().int() }).nullable().describe('The version this one was created from'),
    carried_over_at: Timestamp.nullable().describe("When the open items of based_on were copied in (at most once)"),
    ...health,
    last_check_in_at: Timestamp.nullable(),
    allowed_actions: z.array(z.enum(ACTIONS)).describe('Transitions possible from the current status'),
    ...versionedFields,
  })
  .meta({ id: 'Iteration' });

export type Iteration = z.infer<typeof IterationSchema>;

export const CarriedSchema = z
  .array(
    z.object({
      kind: z.string().describe('e.g. hypotheses, tracked_metrics, action_items'),
      items: z.array(z.object({ id: Id, carried_from: Id })),
    }),
  )
  .describe('What was copied from the previous version, by kind; a kind that carried nothing is left out');

export const CreatedIterationSchema = IterationSchema.extend({ carried: CarriedSchema }).meta({ id: 'CreatedIteration' });

const timeBox = {
  planned_start: TimestampInput.nullable(),
  planned_end: TimestampInput.nullable(),
};

const endAfterStart = (b: { planned_start?: string | null; planned_end?: string | null }) =>
  !b.planned_start || !b.planned_end || b.planned_end > b.planned_start;
const END_AFTER_START = { message: 'planned_end must be after planned_start', path: ['planned_end'] };

const IterationPlan = z
  .object({
    title: z.string().trim().min(1).max(MAX_LENGTH.name).optional().describe('Defaults to "v<number>"'),
    goal: z.string().max(MAX_LENGTH.text).default(''),
    planned_start: timeBox.planned_start.default(null),
    planned_end: timeBox.planned_end.default(null),
    carry_over: z.boolean().default(true).describe('Copy open items from the previous version'),
  })
  .strict()
  .refine(endAfterStart, END_AFTER_START);

/** Every field is optional, the body too: `curl -X POST .../iterations` plans the next version. */
export const CreateIterationBody = IterationPlan.nullish()
  .transform((plan) => plan ?? IterationPlan.parse({}))
  .meta({
    example: {
      goal: 'Lift win rate on scored leads by 3 points',
      planned_start: '2026-01-05T00:00:00Z',
      planned_end: '2026-02-02T00:00:00Z',
    },
  });

export const UpdateIterationBody = z
  .object({
    title: z.string().trim().min(1).max(MAX_LENGTH.name),
    goal: z.string().max(MAX_LENGTH.text),
    ...timeBox,
    outcome: z.string().max(MAX_LENGTH.text).nullable(),
  })
  .partial()
  .strict()
  .meta({ example: { goal: 'Lift win rate on scored leads by 5 points' } });

export { endAfterStart };

export type CreateIterationInput = z.infer<typeof CreateIterationBody>;
export type UpdateIterationInput = z.infer<typeof UpdateIterationBody>;

/** decision may be left out (the body too) when the iteration's retrospective has one. */
export const CloseIterationBody = z
  .object({
    decision: DecisionSchema.optional().describe("Required unless the retrospective has a decision; then it may be omitted, and must match it if sent"),
    outcome: z.string().max(MAX_LENGTH.text).optional(),
  })
  .strict()
  .nullish()
  .meta({ example: { decision: 'pivot', outcome: 'Scores helped SDRs but not AEs; next: score accounts, not leads.' } });

export const AbandonIterationBody = z
  .object({ reason: z.string().max(MAX_LENGTH.text).optional().describe('Kept as the outcome') })
  .strict()
  .nullish()
  .meta({ example: { reason: 'Superseded by the pricing change.' } });

export const IterationListQuery = NumberedPageQuery.extend({
  status: IterationStatusSchema.optional().describe('Only iterations with this status'),
  order: z.enum(['desc', 'asc']).default('desc').describe('By number; newest first by default'),
}).strict();

export const IterationPage = pageSchema(IterationSchema);

/** A version number in a path: plain digits only (no `0x2`, no spaces). */
const VersionNumber = z
  .string()
  .max(9)
  .regex(/^[1-9]\d{0,8}$/, 'a version number: 1, 2, 3 ...')
  .transform(Number)
  .describe('Iteration number (version) within the initiative');

export const DiffParams = z.object({
  id: z.string().min(1).max(MAX_LENGTH.ref).describe('Initiative id or key'),
  a: VersionNumber.describe('The version to compare from'),
  b: VersionNumber.describe('The version to compare to'),
});

const FieldChange = z.object({ from: z.unknown(), to: z.unknown() });

export const IterationDiffSchema = z
  .object({
    initiative: EntityRef,
    from: z.object({ id: Id, number: z.number().int(), status: IterationStatusSchema }),
    to: z.object({ id: Id, number: z.number().int(), status: IterationStatusSchema }),
    fields: z.record(z.string(), FieldChange).describe('Only the fields that differ'),
    items: z
      .record(
        z.string(),
        z.object({
          added: z.array(z.record(z.string(), z.unknown())),
          removed: z.array(z.record(z.string(), z.unknown())),
          changed: z.array(z.object({ lineage: z.string(), from_id: Id, to_id: Id, fields: z.record(z.string(), FieldChange) })),
        }),
      )
      .describe('Child items by kind, matched across versions by their carry-over lineage'),
    check_ins: z.object({
      from: z.object({ count: z.number().int(), last_health: z.enum(HEALTHS).nullable() }),
      to: z.object({ count: z.number().int(), last_health: z.enum(HEALTHS).nullable() }),
    }),
    decisions: z
      .object({ from: DecisionSchema.nullable(), to: DecisionSchema.nullable() })
      .describe("The decisions of the two versions' retrospectives; null without a retrospective or before it has a decision"),
  })
  .meta({ id: 'IterationDiff' });

export type IterationDiff = z.infer<typeof IterationDiffSchema>;
