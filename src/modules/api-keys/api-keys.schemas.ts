import { z } from 'zod';
import { ROLES } from '../../lib/context';
import { EntityRef, Id, Ref, Timestamp, versionedFields } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { MAX_ITEMS, MAX_LENGTH } from '../../http/limits';

export const ApiKeySchema = z
  .object({
    id: Id,
    name: z.string(),
    role: z.enum(ROLES),
    teams: z.array(EntityRef).describe('Teams an editor key may write'),
    secret_prefix: z.string().describe('rw_ and the first four random characters of a generated secret; (ADMIN_API_KEY) for that key'),
    revoked_at: Timestamp.nullable(),
    ...versionedFields,
  })
  .meta({ id: 'ApiKey' });

export type ApiKey = z.infer<typeof ApiKeySchema>;

export const CreatedApiKeySchema = ApiKeySchema.extend({
  secret: z
    .string()
    .optional()
    .describe(
      'The bearer token. Shown only in this response; store it now. It is never stored in clear, so an idempotent replay of this response (Idempotent-Replayed: true) omits it: revoke that key and create another.',
    ),
}).meta({ id: 'CreatedApiKey' });

export const CreateApiKeyBody = z
  .object({
    name: z.string().trim().min(1).max(MAX_LENGTH.name),
    role: z.enum(ROLES),
    teams: z.array(Ref).max(MAX_ITEMS.keyTeams).default([]).describe('Team ids or keys; required for editors, empty otherwise'),
  })
  .strict()
  .meta({ example: { name: 'crm-sync', role: 'editor', teams: ['revops'] } });

export type CreateApiKeyInput = z.infer<typeof CreateApiKeyBody>;

export const ApiKeyListQuery = PageQuery.extend({
  role: z.enum(ROLES).optional().describe('Only keys with this role'),
  revoked: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true'))
    .describe('true: revoked keys only; false: active keys only; absent: both'),
}).strict();

export const ApiKeyPage = pageSchema(ApiKeySchema);
