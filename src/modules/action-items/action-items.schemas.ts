import { z } from 'zod';
import { ACTION_ITEM_STATUSES } from '../../db/schema';
import { EntityRef, Id, Ref, versionedFields } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { MAX_LENGTH } from '../../http/limits';

/** An item carried this many times or more is recurring: the team keeps postponing it. */
export const RECURRING_AFTER = 2;

const fields = {
  title: z.string().trim().min(1).max(MAX_LENGTH.name).describe(`What to do, 1 to ${MAX_LENGTH.name} characters`),
  owner: z.string().trim().min(1).max(MAX_LENGTH.name).nullable().describe(`Who does it, free text up to ${MAX_LENGTH.name} characters; null when nobody yet`),
  due_on: z.iso.date('a date such as 2026-02-15 (YYYY-MM-DD)').nullable().describe('Due date, YYYY-MM-DD; null for none'),
  status: z.enum(ACTION_ITEM_STATUSES).describe('open items carry into the next version; done and dropped stay where they were finished'),
};

export const ActionItemSchema = z
  .object({
    id: Id,
    iteration_id: Id,
    iteration_number: z.number().int().describe('The version the item belongs to'),
    initiative: EntityRef,
    team: EntityRef,
    ...fields,
    carried_from: Id.nullable().describe('The item of the previous version this one was carried from'),
    carried_to: Id.nullable().describe('Its copy in the next version once it was carried on (the copy is where work continues); null otherwise'),
    times_carried: z.number().int().min(0).describe('How many versions the item was carried through (0 for a new item)'),
    recurring: z.boolean().describe(`times_carried >= ${RECURRING_AFTER}: the item keeps being postponed`),
    ...versionedFields,
  })
  .meta({ id: 'ActionItem' });

export type ActionItem = z.infer<typeof ActionItemSchema>;

export const CreateActionItemBody = z
  .object({ title: fields.title, owner: fields.owner.default(null), due_on: fields.due_on.default(null) })
  .strict()
  .meta({ example: { title: 'Agree the CRM export date with IT', owner: 'Dana', due_on: '2026-02-15' } });

export type CreateActionItemInput = z.infer<typeof CreateActionItemBody>;

export const UpdateActionItemBody = z
  .object(fields)
  .partial()
  .strict()
  .meta({ example: { status: 'done' } });

export type UpdateActionItemInput = z.infer<typeof UpdateActionItemBody>;

export const IterationActionItemQuery = PageQuery.extend({
  status: fields.status.optional().describe('Only items with this status'),
}).strict();

const Flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .describe('true or false');

export const ActionItemListQuery = PageQuery.extend({
  team: Ref.optional().describe('Team id or key'),
  initiative: Ref.optional().describe('Initiative id or key'),
  status: fields.status.optional().describe('Only items with this status'),
  owner: z.string().trim().min(1).max(MAX_LENGTH.name).optional().describe('Only items of this owner (exact match)'),
  recurring: Flag.optional().describe(`true: only items carried ${RECURRING_AFTER} times or more; false: only the others`),
}).strict();

export type ActionItemFilters = Omit<z.infer<typeof ActionItemListQuery>, 'limit' | 'cursor'>;

export const ActionItemPage = pageSchema(ActionItemSchema);
