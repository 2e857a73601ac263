import { z } from 'zod';
import { EntityRef, Id, Ref, Timestamp, TimestampInput } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { boundedNumber, MAX_LENGTH } from '../../http/limits';
import { MAX_ROWS } from './measurement-rows';

export const MeasurementSchema = z
  .object({
    id: Id,
    metric: z.string().describe('The metric key'),
    definition_version: z.number().int().describe('The definition of the metric the value was logged under'),
    initiative: EntityRef,
    iteration_id: Id,
    value: z.number(),
    observed_at: Timestamp,
    recorded_at: Timestamp,
    late: z.boolean().describe('Logged into an iteration that had already been closed or abandoned'),
    source: z.string().nullable(),
    note: z.string().nullable(),
    supersedes: Id.nullable().describe('The measurement this one corrects'),
    superseded_by: Id.nullable().describe('Set when a later measurement corrects this one; it then counts no more'),
    voided_at: Timestamp.nullable().describe('Set by a void; a voided measurement counts no more'),
    void_reason: z.string().nullable(),
    recorded_by: z.object({ key_id: z.string(), name: z.string() }),
  })
  .meta({ id: 'Measurement' });

export type Measurement = z.infer<typeof MeasurementSchema>;

/** One row as a client sends it; the service checks rows itself so that errors name `body[<row>].<field>`. */
export const MeasurementInputSchema = z
  .object({
    metric: z.string().max(MAX_LENGTH.ref).describe('Catalog metric key'),
    initiative: Ref.optional().describe('Initiative key or id: the row lands on its iteration whose window holds observed_at'),
    iteration: Id.optional().describe('Or the iteration id itself'),
    value: boundedNumber().describe('A finite number, -1e15 to 1e15'),
    observed_at: TimestampInput.optional().describe('RFC 3339; now when absent'),
    source: z.string().max(MAX_LENGTH.name).optional().describe('Where the value comes from, e.g. salesforce-sync'),
    note: z.string().max(MAX_LENGTH.note).optional(),
    supersedes: Id.optional().describe('The id of a measurement this row corrects; that one then counts no more'),
  })
  .strict()
  .meta({ example: { metric: 'win_rate', initiative: 'lead-scoring', value: 0.23 } });

export const RecordMeasurementsBody = z
  .union([MeasurementInputSchema, z.array(MeasurementInputSchema).min(1).max(MAX_ROWS)])
  .describe(
    `One measurement, or up to ${MAX_ROWS.toLocaleString('en-US')} as a JSON array, as NDJSON (application/x-ndjson, one object per line) or as CSV (text/csv, a header row naming the columns metric, initiative, iteration, value, observed_at, source, note, supersedes).`,
  );

export const RecordedSchema = z.object({ id: Id, metric: z.string(), iteration_id: Id, late: z.boolean() });

export const BatchResultSchema = z
  .object({
    count: z.number().int(),
    data: z.array(RecordedSchema).describe('In input order'),
  })
  .meta({ id: 'MeasurementBatchResult' });

export const MeasurementListQuery = PageQuery.extend({
  metric: z.string().max(MAX_LENGTH.ref).optional().describe('Metric key'),
  initiative: Ref.optional().describe('Initiative key or id'),
  iteration: Id.optional().describe('Iteration id'),
  team: Ref.optional().describe("Team key or id: its initiatives' measurements"),
  source: z.string().max(MAX_LENGTH.name).optional().describe('Exactly this source'),
  from: TimestampInput.optional().describe('observed_at at or after'),
  to: TimestampInput.optional().describe('observed_at at or before'),
  include_voided: z.enum(['true', 'false']).default('false').describe('true: voided and superseded rows too'),
}).strict();

export const MeasurementPage = pageSchema(MeasurementSchema);

export const VoidMeasurementBody = z
  .object({ reason: z.string().trim().min(1).max(MAX_LENGTH.note).describe('Why the value must not count') })
  .strict()
  .meta({ example: { reason: 'Duplicate of the CRM sync row.' } });
