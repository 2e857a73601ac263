import { z } from 'zod';
import { PageQuery, pageSchema } from '../../http/pagination';
import { Timestamp, Version } from '../../http/schemas';
import { MAX_ITEMS, MAX_LENGTH } from '../../http/limits';

/** The rules a write may break, by name: the `rule` of a policy_violation problem and of a violation. */
export const RULES = [
  'require_central_metrics',
  'require_hypothesis_to_start',
  'require_baseline_to_start',
  'require_retrospective_to_close',
  'max_timebox_days',
  'checkin_interval_days',
  'required_initiative_attributes',
] as const;

export type Rule = (typeof RULES)[number];

/** Attribute keys as initiatives take them (see initiatives.schemas Attributes). */
const AttributeKey = z
  .string()
  .min(1)
  .max(MAX_LENGTH.ref)
  .refine((k) => !/\p{Cc}/u.test(k), 'must not contain control characters');

/**
 * The rule set, one field per rule. Everything but the check-in interval is off (false or null)
 * unless an admin turns it on; whatever the policy does not require stays optional for teams.
 */
export const PolicyRulesSchema = z.object({
  require_central_metrics: z.boolean().describe('Tracked metrics and hypotheses must use central metrics'),
  require_hypothesis_to_start: z.boolean().describe('Starting an iteration needs at least one hypothesis'),
  require_baseline_to_start: z
    .boolean()
    .describe('Starting an iteration needs at least one tracked metric, each with a baseline and a target'),
  require_retrospective_to_close: z.boolean().describe('Closing an iteration needs a retrospective with at least one learning'),
  max_timebox_days: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .nullable()
    .describe('Longest time box (planned_end - planned_start) in days; when set, starting also needs both planned dates. null: no limit'),
  checkin_interval_days: z
    .number()
    .positive()
    .max(365)
    .describe('An active iteration without a check-in for longer is stale; fractions allowed (0.5 = twelve hours)'),
  required_initiative_attributes: z
    .array(AttributeKey)
    .max(MAX_ITEMS.attributes)
    .refine((keys) => new Set(keys).size === keys.length, 'list each attribute key once')
    .describe('Attribute keys every initiative must carry with a non-null value'),
});

export type PolicyRules = z.infer<typeof PolicyRulesSchema>;

export const PolicySchema = PolicyRulesSchema.extend({ version: Version, updated_at: Timestamp }).meta({
  id: 'Policy',
  description: "The organisation's central rules. Every write obeys them; a write that breaks one is a 422 policy_violation naming the rule.",
});

export type Policy = z.infer<typeof PolicySchema>;

/**
 * PUT replaces the whole rule set: a rule left out goes back to its default (off; the check-in
 * interval to the CHECKIN_INTERVAL_DAYS setting), so the body always says the complete policy.
 */
export const PutPolicyBody = PolicyRulesSchema.partial()
  .strict()
  .meta({
    example: {
      require_central_metrics: true,
      require_hypothesis_to_start: true,
      require_baseline_to_start: false,
      require_retrospective_to_close: true,
      max_timebox_days: 42,
      checkin_interval_days: 7,
      required_initiative_attributes: ['region'],
    },
  });

export type PutPolicyInput = z.infer<typeof PutPolicyBody>;

export const ENTITY_TYPES = ['initiative', 'iteration', 'hypothesis', 'tracked_metric'] as const;

export const PolicyViolationSchema = z
  .object({
    rule: z.enum(RULES),
    entity_type: z.enum(ENTITY_TYPES),
    entity_id: z.string(),
    detail: z.string().describe('What breaks the rule and what to do about it'),
  })
  .meta({ id: 'PolicyViolation' });

export type PolicyViolation = z.infer<typeof PolicyViolationSchema>;

export const PolicyViolationQuery = PageQuery.extend({
  rule: z.enum(RULES).optional().describe('Only violations of this rule'),
}).strict();

export const PolicyViolationPage = pageSchema(PolicyViolationSchema);
