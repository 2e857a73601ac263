import { z } from 'zod';
import { Id, TimestampInput, Timestamp } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { MAX_LENGTH } from '../../http/limits';

export const ActivityEntrySchema = z
  .object({
    id: Id,
    at: Timestamp,
    actor: z.object({ key_id: z.string(), name: z.string() }),
    action: z.string().describe('e.g. initiative.updated, iteration.closed'),
    entity_type: z.string(),
    entity_id: z.string(),
    request_id: z.string().nullable(),
    before: z.record(z.string(), z.unknown()).nullable().describe('Changed fields before the change; null on create'),
    after: z.record(z.string(), z.unknown()).nullable().describe('Changed fields after the change; null on delete'),
  })
  .meta({ id: 'ActivityEntry' });

export type ActivityEntry = z.infer<typeof ActivityEntrySchema>;

export const ActivityQuery = PageQuery.extend({
  entity_type: z.string().max(MAX_LENGTH.ref).optional().describe('e.g. initiative, iteration, check_in, team, theme, api_key'),
  entity_id: z.string().max(MAX_LENGTH.ref).optional().describe('Id of the changed object'),
  actor: z.string().max(MAX_LENGTH.ref).optional().describe('API key id of the actor'),
  action: z.string().max(MAX_LENGTH.ref).optional().describe('e.g. initiative.updated, iteration.closed'),
  since: TimestampInput.optional().describe('Only entries at or after this time'),
  until: TimestampInput.optional().describe('Only entries at or before this time'),
}).strict();

export const ActivityPage = pageSchema(ActivityEntrySchema);
