import { z } from 'zod';
import { HYPOTHESIS_OPERATORS, HYPOTHESIS_STATUSES } from '../../db/schema';
import { Id, Timestamp, versionedFields } from '../../http/schemas';
import { MAX_ITEMS, MAX_LENGTH } from '../../http/limits';
import { SuggestionSchema } from '../hypotheses/hypotheses.schemas';
import { DecisionSchema } from '../iterations/iterations.schemas';
import { TRACKED_HEALTHS } from '../tracked-metrics/tracked-metrics.schemas';

/** Bounds of a retrospective (see http/limits): they validate the body and document it. */
export const RETRO_LIMITS = { items: MAX_ITEMS.points, text: MAX_LENGTH.point, learning: MAX_LENGTH.note, reason: MAX_LENGTH.text } as const;

const Point = z.string().trim().min(1).max(RETRO_LIMITS.text).describe(`One point, 1 to ${RETRO_LIMITS.text} characters`);
const Points = (what: string) =>
  z.array(Point).max(RETRO_LIMITS.items).describe(`${what}; up to ${RETRO_LIMITS.items} points`);

export const LearningSchema = z
  .object({
    observed: z.string().trim().min(1).max(RETRO_LIMITS.learning).describe('What the team saw happen'),
    learned: z.string().trim().min(1).max(RETRO_LIMITS.learning).describe('What it taught them'),
  })
  .strict()
  .meta({ id: 'Learning' });

const card = {
  went_well: Points('What went well'),
  to_improve: Points('What to do better next time'),
  learnings: z.array(LearningSchema).max(RETRO_LIMITS.items).describe(`What was observed and learned; up to ${RETRO_LIMITS.items}`),
  decision: DecisionSchema.nullable().describe(
    "The team's decision for the version; closing may then omit it, and a close with another decision is a 409. Null while undecided",
  ),
  decision_reason: z.string().max(RETRO_LIMITS.reason).describe(`Why that decision, up to ${RETRO_LIMITS.reason} characters`),
};

/** The version as it ended, stored by close (or abandon) and never changed afterwards. */
export const RetrospectiveSnapshotSchema = z
  .object({
    taken_at: Timestamp.describe('When the iteration was closed or abandoned'),
    iteration_status: z.enum(['closed', 'abandoned']),
    decision: DecisionSchema.nullable().describe("The iteration's decision at close; null when abandoned"),
    hypotheses: z.array(
      z.object({
        id: Id,
        statement: z.string(),
        metric: z.string().describe('Catalog metric key'),
        operator: z.enum(HYPOTHESIS_OPERATORS),
        threshold: z.number().nullable(),
        suggested_result: SuggestionSchema.describe('What the measurements said at that moment'),
        status: z.enum(HYPOTHESIS_STATUSES).describe('Concluded result (validated, invalidated, inconclusive) or where the test stood'),
        override_reason: z.string().nullable(),
      }),
    ),
    tracked_metrics: z.array(
      z.object({
        id: Id,
        metric: z.string().describe('Catalog metric key'),
        definition_version: z.number().int().describe('The definition whose measurements counted'),
        baseline: z.number().nullable(),
        current: z.number().nullable().describe('The final value of the version'),
        target: z.number().nullable(),
        progress: z.number().nullable(),
        health: z.enum(TRACKED_HEALTHS),
        measurements_count: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'RetrospectiveSnapshot', description: 'The version as it ended; later measurements or definition changes never alter it' });

export type RetrospectiveSnapshot = z.infer<typeof RetrospectiveSnapshotSchema>;

export const RetrospectiveSchema = z
  .object({
    iteration_id: Id,
    ...card,
    snapshot: RetrospectiveSnapshotSchema.nullable().describe('Null until the iteration is closed or abandoned'),
    frozen_at: Timestamp.nullable().describe('When the iteration ended; from then on the retrospective is read-only'),
    ...versionedFields,
  })
  .meta({ id: 'Retrospective' });

export type Retrospective = z.infer<typeof RetrospectiveSchema>;

/** A whole retrospective: what is left out is empty (or null), since PUT replaces it. */
export const PutRetrospectiveBody = z
  .object({
    went_well: card.went_well.default([]),
    to_improve: card.to_improve.default([]),
    learnings: card.learnings.default([]),
    // Optional rather than default(null): an OpenAPI 3.0 enum cannot list null as its default.
    decision: card.decision.optional(),
    decision_reason: card.decision_reason.default(''),
  })
  .strict()
  .meta({
    example: {
      went_well: ['SDRs used the scores daily'],
      to_improve: ['Agree on the CRM export date before starting'],
      learnings: [{ observed: 'AEs ignored lead scores', learned: 'AEs work accounts, not leads' }],
      decision: 'pivot',
      decision_reason: 'Score accounts instead of leads.',
    },
  });

export type PutRetrospectiveInput = z.infer<typeof PutRetrospectiveBody>;
