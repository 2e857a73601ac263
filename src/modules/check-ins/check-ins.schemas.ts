import { z } from 'zod';
import { Id, Timestamp } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { MAX_LENGTH } from '../../http/limits';
import { HEALTHS } from '../iterations/iterations.schemas';

export const CheckInSchema = z
  .object({
    id: Id,
    iteration_id: Id,
    health: z.enum(HEALTHS),
    note: z.string(),
    author: z.object({ key_id: z.string(), name: z.string() }),
    created_at: Timestamp,
  })
  .meta({ id: 'CheckIn' });

export type CheckIn = z.infer<typeof CheckInSchema>;

export const CreateCheckInBody = z
  .object({
    health: z.enum(HEALTHS),
    note: z.string().trim().max(MAX_LENGTH.note).default(''),
  })
  .strict()
  .meta({ example: { health: 'at_risk', note: 'Scoring model late; data team blocked on CRM export.' } });

export const CheckInListQuery = PageQuery.strict();

export const CheckInPage = pageSchema(CheckInSchema);
