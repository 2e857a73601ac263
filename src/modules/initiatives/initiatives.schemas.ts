import { z } from 'zod';
import { EntityRef, Id, Key, Ref, Timestamp, TimestampInput, versionedFields } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { ATTRIBUTES_MAX_BYTES, MAX_ITEMS, MAX_LENGTH, boundedRecord } from '../../http/limits';
import { CurrentIterationSchema } from '../iterations/iterations.schemas';

export const HORIZONS = ['now', 'next', 'later'] as const;
export const INITIATIVE_STATUSES = ['active', 'adopted', 'stopped'] as const;

const Tag = z
  .string()
  .min(1)
  .max(MAX_LENGTH.tag)
  .regex(/^[a-z0-9][a-z0-9:._-]*$/, 'use lowercase letters, digits and : . _ -');

/**
 * An attribute value: a string, number, boolean or null. Null rides on the string branch because
 * OpenAPI 3.0 has no null type: a bare `nullable` beside an `anyOf` is invalid, one on a typed branch is not.
 */
const attributeValue = (text: z.ZodString) => z.union([text.nullable(), z.number(), z.boolean()]);

/** Team-defined custom fields: a flat object of scalars, so dashboards can filter and group by them. */
const Attributes = boundedRecord(
  z.string().min(1).max(MAX_LENGTH.ref),
  attributeValue(z.string().max(MAX_LENGTH.point)),
  MAX_ITEMS.attributes,
  'attributes',
)
  .refine((a) => Buffer.byteLength(JSON.stringify(a)) <= ATTRIBUTES_MAX_BYTES, `at most ${ATTRIBUTES_MAX_BYTES} bytes as JSON`)
  .describe('Custom attributes: string keys, scalar values');

export const InitiativeSchema = z
  .object({
    id: Id,
    key: Key,
    title: z.string(),
    summary: z.string(),
    team: EntityRef,
    owner: z.string().nullable(),
    theme: EntityRef.nullable(),
    horizon: z.enum(HORIZONS),
    status: z.enum(INITIATIVE_STATUSES).describe('active; adopted or stopped follow from a closing decision'),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), attributeValue(z.string())),
    archived_at: Timestamp.nullable().describe('Set by DELETE; archived initiatives are hidden from lists by default'),
    current_iteration: CurrentIterationSchema.nullable(),
    ...versionedFields,
  })
  .meta({ id: 'Initiative' });

export type Initiative = z.infer<typeof InitiativeSchema>;

const editable = {
  title: z.string().trim().min(1).max(MAX_LENGTH.name),
  summary: z.string().max(MAX_LENGTH.text),
  team: Ref.describe('Team id or key'),
  owner: z.string().trim().min(1).max(MAX_LENGTH.name).nullable().describe('Who drives it (name or email)'),
  theme: Ref.nullable().describe('Theme id or key'),
  horizon: z.enum(HORIZONS),
  tags: z.array(Tag).max(MAX_ITEMS.tags).transform((t) => [...new Set(t)]),
  attributes: Attributes,
};

export const CreateInitiativeBody = z
  .object({
    key: Key,
    ...editable,
    summary: editable.summary.default(''),
    owner: editable.owner.default(null),
    theme: editable.theme.default(null),
    horizon: editable.horizon.default('next'),
    tags: editable.tags.default([]),
    attributes: editable.attributes.default({}),
  })
  .strict()
  .meta({
    example: {
      key: 'lead-scoring',
      title: 'Score inbound leads',
      team: 'revops',
      theme: 'pipeline-health',
      horizon: 'now',
      tags: ['inbound'],
      attributes: { region: 'emea' },
    },
  });

export const UpdateInitiativeBody = z
  .object({
    ...editable,
    status: z
      .literal('active')
      .describe('Reopens an adopted or stopped initiative; adopted and stopped follow only from closing decisions'),
    archived: z.boolean().describe('false restores an archived initiative'),
  })
  .partial()
  .strict()
  .meta({ example: { horizon: 'next', tags: ['inbound', 'scoring'] } });

export type CreateInitiativeInput = z.infer<typeof CreateInitiativeBody>;
export type UpdateInitiativeInput = z.infer<typeof UpdateInitiativeBody>;

export const InitiativeListQuery = PageQuery.extend({
  team: Ref.optional(),
  theme: Ref.optional(),
  status: z.enum(INITIATIVE_STATUSES).optional().describe('Only initiatives with this status'),
  horizon: z.enum(HORIZONS).optional().describe('Only initiatives on this horizon'),
  tag: Tag.optional().describe('Only initiatives carrying this tag'),
  updated_since: TimestampInput.optional(),
  q: z
    .string()
    .trim()
    .min(1)
    .max(MAX_LENGTH.search)
    .refine((q) => !/\p{Cc}/u.test(q), 'must not contain control characters')
    .optional()
    .describe('Text match on key or title'),
  iteration_status: z
    .enum(['planned', 'under_construction', 'in_review', 'closed', 'abandoned', 'none'])
    .optional()
    .describe('Status of the current iteration; none = no iteration yet'),
  archived: z.enum(['true', 'false', 'all']).default('false').describe('true: archived only; all: both; false: live only'),
}).strict();

export type InitiativeListFilters = Omit<z.infer<typeof InitiativeListQuery>, 'limit' | 'cursor'>;

export const InitiativePage = pageSchema(InitiativeSchema);
