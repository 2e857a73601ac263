import { z } from 'zod';
import { AGGREGATIONS, DIRECTIONS, METRIC_SCOPES, UNITS } from '../../db/schema/metrics';
import { EntityRef, Id, Key, Ref, Timestamp, versionedFields } from '../../http/schemas';
import { NumberedPageQuery, PageQuery, pageSchema } from '../../http/pagination';
import { MAX_LENGTH } from '../../http/limits';

export { AGGREGATIONS, DIRECTIONS, METRIC_SCOPES, UNITS };

/** The currencies this runtime knows (ISO 4217); read once. */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { message: 'an ISO 4217 code: three uppercase letters, such as EUR or USD', abort: true })
  .max(3)
  .refine((c) => CURRENCIES.has(c), 'not an ISO 4217 currency code')
  .describe('ISO 4217 code; only for unit currency');

const Unit = z.enum(UNITS).describe('currency needs currency_code');
const Direction = z.enum(DIRECTIONS).describe('Which way is good');
const Aggregation = z.enum(AGGREGATIONS).describe("How an iteration's measurements roll up into its current value");

export const MetricSchema = z
  .object({
    id: Id,
    key: Key,
    name: z.string(),
    description: z.string(),
    unit: Unit,
    currency_code: z.string().nullable().describe('ISO 4217 code when unit is currency, else null'),
    direction: Direction,
    aggregation: Aggregation,
    scope: z.enum(METRIC_SCOPES).describe('central (admins) or a team metric (its editors)'),
    team: EntityRef.nullable().describe('The owning team of a team metric; null for central ones'),
    definition_version: z
      .number()
      .int()
      .min(1)
      .describe('Increases when unit, currency, direction or aggregation change after measurements were logged'),
    ...versionedFields,
  })
  .meta({ id: 'Metric' });

export type Metric = z.infer<typeof MetricSchema>;

const editable = {
  name: z.string().trim().min(1).max(MAX_LENGTH.name),
  description: z.string().max(MAX_LENGTH.text),
  unit: Unit,
  currency_code: CurrencyCode,
  direction: Direction,
  aggregation: Aggregation,
};

export const CreateMetricBody = z
  .object({
    key: Key,
    ...editable,
    description: editable.description.default(''),
    currency_code: editable.currency_code.optional(),
    scope: z.enum(METRIC_SCOPES).optional().describe('Defaults to team when a team is named, else central'),
    team: Ref.optional().describe('Team id or key: required for a team metric, refused for a central one'),
  })
  .strict()
  .meta({
    example: {
      key: 'win_rate',
      name: 'Win rate',
      description: 'Closed-won opportunities over all closed opportunities.',
      unit: 'ratio',
      direction: 'increase',
      aggregation: 'latest',
      scope: 'team',
      team: 'revops',
    },
  });

// Built from the fields, not from Create: a default kept under .partial() would reset omitted fields.
export const UpdateMetricBody = z
  .object({ ...editable, currency_code: editable.currency_code.nullable() })
  .partial()
  .strict()
  .meta({ example: { name: 'Win rate (qualified)', aggregation: 'average' } });

export type CreateMetricInput = z.infer<typeof CreateMetricBody>;
export type UpdateMetricInput = z.infer<typeof UpdateMetricBody>;

export const MetricParams = z.object({ key: Ref.describe('Metric key (or id)') }).strict();

const Text = z
  .string()
  .trim()
  .min(1)
  .max(MAX_LENGTH.search)
  .refine((q) => !/\p{Cc}/u.test(q), 'must not contain control characters');

export const MetricListQuery = PageQuery.extend({
  scope: z.enum(METRIC_SCOPES).optional().describe('Only central or only team metrics'),
  team: Ref.optional().describe("Only this team's metrics (id or key)"),
  unit: Unit.optional().describe('Only metrics with this unit'),
  q: Text.optional().describe('Substring of key, name or description (case-insensitive for ASCII)'),
}).strict();

export type MetricListFilters = Omit<z.infer<typeof MetricListQuery>, 'limit' | 'cursor'>;

export const MetricPage = pageSchema(MetricSchema);

export const MetricDefinitionSchema = z
  .object({
    definition_version: z.number().int().min(1),
    unit: Unit,
    currency_code: z.string().nullable(),
    direction: Direction,
    aggregation: Aggregation,
    created_at: Timestamp.describe('When this definition took effect'),
    current: z.boolean().describe('Whether this is the definition new measurements are logged under'),
  })
  .meta({ id: 'MetricDefinition' });

export type MetricDefinition = z.infer<typeof MetricDefinitionSchema>;

export const MetricDefinitionQuery = NumberedPageQuery.strict();

export const MetricDefinitionPage = pageSchema(MetricDefinitionSchema);
