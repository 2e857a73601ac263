import { z } from 'zod';
import { isIdShaped } from '../lib/ids';
import { MAX_LENGTH } from './limits';
import { PROBLEMS, type ProblemCode } from './problems';

/** Shapes shared by every module: identifiers, keys, timestamps and the problem body. */

export const Id = z.string().min(1).max(MAX_LENGTH.ref).describe('Opaque identifier');

/** Human keys (`lead-scoring`, `win_rate`): lowercase words joined by '-' or '_'. */
export const Key = z
  .string()
  .min(2)
  .max(MAX_LENGTH.ref)
  .regex(/^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/, 'use lowercase letters and digits, words joined by "-" or "_"')
  .refine((k) => !isIdShaped(k), 'a key must not look like an id')
  .describe('Human key, unique, immutable');

/** An id or a human key, wherever a path or body names an entity. */
export const Ref = z.string().min(1).max(MAX_LENGTH.ref).describe('Id or key');

export const Timestamp = z.iso.datetime().describe('RFC 3339 UTC timestamp');

/**
 * Accepts any RFC 3339 offset and normalizes to UTC `Z`. An offset can push a date past year 9999
 * (or before 0001), which has no RFC 3339 form: such values are refused, not stored.
 */
export const TimestampInput = z.iso
  .datetime({ offset: true, message: 'an RFC 3339 timestamp such as 2026-01-05T09:00:00Z (in a query string, send + as %2B)' })
  .transform((s, ctx) => {
    const utc = new Date(s).toISOString();
    if (!/^\d{4}-/.test(utc) || utc.startsWith('0000')) {
      ctx.addIssue({ code: 'custom', message: 'must fall between years 0001 and 9999 once converted to UTC' });
      return z.NEVER;
    }
    return utc;
  })
  .describe('RFC 3339 timestamp; stored and returned in UTC');

export const Version = z.number().int().min(1).describe('Incremented on every change; see ETag');

/** The fields every mutable object shows: its version and when it was created and last changed. */
export const versionedFields = { version: Version, created_at: Timestamp, updated_at: Timestamp };

/** Another object named by its id and human key. */
export const EntityRef = z.object({ id: Id, key: z.string() });

const IterationRefSchema = z.object({ id: z.string(), number: z.number().int(), status: z.string() });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What went wrong and what to change'),
    instance: z.string().optional().describe('The path the problem is about; absent when the request could not be read'),
    code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]).describe('Stable machine-readable error code'),
    request_id: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), rule: z.string().optional().describe('The rule broken, for rows of a batch') }))
      .optional()
      .describe('validation_failed, invalid_rows, no_iteration: one entry per field (for batches, per row and field)'),
    current_status: z.string().optional().describe('invalid_transition, frozen: the status the object is in'),
    allowed_actions: z.array(z.string()).optional().describe('invalid_transition: the actions that status allows'),
    allowed_statuses: z.array(z.string()).optional().describe('invalid_transition: where those actions lead'),
    active_iteration: IterationRefSchema.optional().describe('conflict on start: the iteration already active'),
    previous_iteration: IterationRefSchema.optional().describe('conflict on planning: the version still in play'),
    initiative_status: z.string().optional().describe('conflict: the initiative is adopted or stopped'),
    current_version: z.number().int().optional().describe('precondition_failed: the version the object is at now'),
    rule: z.string().optional().describe('policy_violation: the policy rule the write breaks (see GET /v1/policy)'),
  })
  .catchall(z.unknown())
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details. Any route may also answer 503 shutting_down while the server stops.',
  });

const ERROR_DESCRIPTIONS = {
  400: 'The request is not valid; errors[] names each field',
  401: 'Missing, unknown or revoked API key',
  403: 'The key may not do this',
  404: 'No such object',
  409: 'Conflicts with the current state',
  412: 'If-Match does not match the current ETag',
  413: 'Body too large',
  415: 'Body must be application/json',
  422: 'Understood but not accepted: a rule of the data or of the policy; code and errors[] say which',
  428: 'If-Match is required: the object exists; GET it and send its ETag',
  429: 'Too many requests for this key; Retry-After says when to try again',
  503: 'Unavailable for now (storage full, read-only or locked, server overloaded or stopping); nothing was changed; Retry-After says when to try again',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/**
 * The problem responses of a route, for the OpenAPI document. 400, 401, 403, 429 (the key's rate
 * limit) and 503 (storage faults, overload, shutdown) are always possible.
 */
export function errorResponses(...statuses: ErrorStatus[]) {
  const all = [...new Set<ErrorStatus>([400, 401, 403, ...statuses, 429, 503])];
  return Object.fromEntries(
    all.map((s) => [
      s,
      { description: ERROR_DESCRIPTIONS[s], content: { 'application/problem+json': { schema: ProblemSchema } } },
    ]),
  ) as Record<ErrorStatus, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
}

export const IdParams = z.object({ id: Ref });

export const NoContent = z.undefined().describe('No content');

/** The body of an action that needs none: absent, or an empty object. */
export const EmptyBody = z.object({}).strict().nullish().meta({ description: 'No body needed', example: {} });
