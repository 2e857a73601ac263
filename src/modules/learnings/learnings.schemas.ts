import { z } from 'zod';
import { CONFIDENCES } from '../../db/schema/hypotheses';
import { ITERATION_STATUSES } from '../../db/schema/iterations';
import { EntityRef, Id, Ref, Timestamp } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { TabularQueryFields } from '../../http/tabular';
import { MAX_LENGTH } from '../../http/limits';
import { CONCLUSIONS } from '../hypotheses/hypotheses.schemas';
import { DecisionSchema } from '../iterations/iterations.schemas';
import { LearningSchema } from '../retrospectives/retrospectives.schemas';

export const LearningsQuery = PageQuery.extend({
    metric: z.string().max(MAX_LENGTH.ref).optional().describe('Only hypotheses on this metric (key); all metrics without it; an unknown metric is a 404'),
    team: Ref.optional().describe("Only this team's initiatives (key or id); an unknown team is a 404"),
    initiative: Ref.optional().describe('Only this initiative (key or id); an unknown initiative is a 404'),
    result: z.enum(CONCLUSIONS).optional().describe('Only hypotheses concluded with this result'),
    ...TabularQueryFields,
  }).strict();

export type LearningsFilters = z.infer<typeof LearningsQuery>;

export const HypothesisLearningSchema = z
  .object({
    hypothesis_id: Id,
    statement: z.string().describe('The belief, "we believe that ..."'),
    metric: z.string().describe('Catalog metric key'),
    result: z.enum(CONCLUSIONS).describe('What a person concluded'),
    evidence: z.string().describe('What the belief rested on'),
    confidence: z.enum(CONFIDENCES).nullable().describe("The team's confidence in the belief"),
    override_reason: z.string().nullable().describe('Why the result differs from what the measurements suggested; null when it followed them'),
    concluded_at: Timestamp,
    team: EntityRef,
    initiative: z.object({ id: Id, key: z.string(), title: z.string() }),
    version: z.object({
      iteration_id: Id,
      number: z.number().int().min(1),
      status: z.enum(ITERATION_STATUSES),
      decision: DecisionSchema.nullable().describe("The version's decision once closed; null before"),
    }),
    retrospective: z
      .object({
        decision: DecisionSchema.nullable(),
        decision_reason: z.string(),
        learnings: z.array(LearningSchema),
      })
      .nullable()
      .describe("The version's retrospective; null when none was written"),
  })
  .meta({ id: 'HypothesisLearning', description: 'A concluded hypothesis with the version it was tested in and what its retrospective learned' });

export type HypothesisLearning = z.infer<typeof HypothesisLearningSchema>;

export const LearningsPage = pageSchema(HypothesisLearningSchema);
export type LearningsPageBody = z.infer<typeof LearningsPage>;
