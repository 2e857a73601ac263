import { z } from 'zod';
import { CONFIDENCES, HYPOTHESIS_OPERATORS, HYPOTHESIS_STATUSES } from '../../db/schema';
import { Id, Timestamp, versionedFields } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { boundedNumber, MAX_LENGTH } from '../../http/limits';

export const SUGGESTED_RESULTS = ['validated', 'invalidated', 'inconclusive', 'insufficient_data'] as const;
export const CONCLUSIONS = ['validated', 'invalidated', 'inconclusive'] as const;

export const SuggestionSchema = z
  .object({
    result: z.enum(SUGGESTED_RESULTS),
    value: z.number().nullable().describe("The metric's current value in this iteration, by its aggregation; null without measurements"),
    measurements_count: z.number().int().describe('Live measurements of the current definition version in this iteration'),
    reason: z.string().describe('The result in words, e.g. "win_rate is 0.27 (latest of 4 measurements), which meets >= 0.25"'),
    evaluated_at: Timestamp,
  })
  .meta({ id: 'HypothesisSuggestion', description: 'What the measurements say about the hypothesis, computed by the API' });

export type Suggestion = z.infer<typeof SuggestionSchema>;

/** The test card: what a team believes, and the criterion on a catalog metric that decides it. */
const card = {
  statement: z.string().trim().min(1).max(MAX_LENGTH.note).describe('The belief, in the form "we believe that ..."'),
  metric: z.string().min(1).max(MAX_LENGTH.ref).describe('Catalog metric key, e.g. win_rate'),
  operator: z
    .enum(HYPOTHESIS_OPERATORS)
    .describe(
      "gte, lte, gt, lt compare the metric's value with threshold; reach_target compares it with this iteration's tracked target in the metric's good direction (increase: value >= target, decrease: value <= target)",
    ),
  threshold: boundedNumber().nullable().describe('Required with gte, lte, gt and lt; null with reach_target'),
  min_measurements: z.number().int().min(1).max(1_000_000).describe('Below this many measurements the suggestion is insufficient_data'),
  confidence: z.enum(CONFIDENCES).nullable().describe("The team's confidence in the belief"),
  evidence: z.string().max(MAX_LENGTH.text).describe('What the belief rests on'),
};

export const HypothesisSchema = z
  .object({
    id: Id,
    iteration_id: Id,
    ...card,
    status: z.enum(HYPOTHESIS_STATUSES).describe('proposed -> testing (when the iteration starts) -> validated | invalidated | inconclusive (conclude)'),
    suggested_result: SuggestionSchema.describe('Computed at read time from the rollup of the metric in this iteration'),
    review_suggestion: SuggestionSchema.nullable().describe('The suggestion as it stood when the iteration went to review; null before'),
    concluded: z
      .object({
        result: z.enum(CONCLUSIONS).describe('What a person decided'),
        suggested_result: SuggestionSchema.describe('What the API suggested at that moment'),
        override_reason: z.string().nullable(),
        concluded_at: Timestamp,
      })
      .nullable()
      .describe('The decision next to the suggestion it confirmed or overrode; null until concluded'),
    override_reason: z.string().nullable().describe('Why the decision differs from the suggestion'),
    concluded_at: Timestamp.nullable(),
    carried_from: Id.nullable().describe('The hypothesis of the previous version this one was copied from'),
    ...versionedFields,
  })
  .meta({ id: 'Hypothesis' });

export type Hypothesis = z.infer<typeof HypothesisSchema>;

type ThresholdCheck = { operator?: string; threshold?: number | null };

/** The criterion's one cross-field rule, as field errors (shared by create and by the merged result of a PATCH). */
export function thresholdIssue(c: ThresholdCheck): string | undefined {
  if (c.operator === 'reach_target' && c.threshold !== null && c.threshold !== undefined) {
    return 'not used with reach_target (the target comes from the tracked metric); send "threshold": null';
  }
  if (c.operator !== 'reach_target' && (c.threshold === null || c.threshold === undefined)) {
    return `required with operator ${c.operator}`;
  }
  return undefined;
}

export const CreateHypothesisBody = z
  .object({
    statement: card.statement,
    metric: card.metric,
    operator: card.operator,
    threshold: card.threshold.optional(),
    min_measurements: card.min_measurements.default(1),
    confidence: card.confidence.optional(),
    evidence: card.evidence.default(''),
  })
  .strict()
  .superRefine((b, ctx) => {
    const issue = thresholdIssue(b);
    if (issue) ctx.addIssue({ code: 'custom', path: ['threshold'], message: issue });
  })
  .meta({
    example: {
      statement: 'We believe that scoring leads lets SDRs call the best ones first, lifting the win rate',
      metric: 'win_rate',
      operator: 'gte',
      threshold: 0.25,
      min_measurements: 3,
      confidence: 'medium',
    },
  });

export type CreateHypothesisInput = z.infer<typeof CreateHypothesisBody>;

export const UpdateHypothesisBody = z
  .object(card)
  .partial()
  .strict()
  .meta({ example: { threshold: 0.3, evidence: 'Pilot team hit 0.31 in March.' } });

export type UpdateHypothesisInput = z.infer<typeof UpdateHypothesisBody>;

export const ConcludeHypothesisBody = z
  .object({
    result: z.enum(CONCLUSIONS),
    override_reason: z
      .string()
      .trim()
      .min(1)
      .max(MAX_LENGTH.note)
      .optional()
      .describe('Required when result differs from the current suggested result'),
  })
  .strict()
  .meta({ example: { result: 'inconclusive', override_reason: 'A pricing change mid-iteration moved win rate on its own.' } });

export type ConcludeHypothesisInput = z.infer<typeof ConcludeHypothesisBody>;

export const HypothesisListQuery = PageQuery.extend({
  status: z.enum(HYPOTHESIS_STATUSES).optional().describe('Only hypotheses with this status'),
}).strict();

export const HypothesisPage = pageSchema(HypothesisSchema);
