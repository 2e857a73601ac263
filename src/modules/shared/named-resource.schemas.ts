import { z } from 'zod';
import { Id, Key, versionedFields } from '../../http/schemas';
import { PageQuery, pageSchema } from '../../http/pagination';
import { MAX_LENGTH } from '../../http/limits';

export function namedSchemas(schemaId: string, example: { key: string; name: string; description: string }) {
  const Entity = z
    .object({
      id: Id,
      key: Key,
      name: z.string(),
      description: z.string(),
      ...versionedFields,
    })
    .meta({ id: schemaId });
  const fields = { name: z.string().trim().min(1).max(MAX_LENGTH.name), description: z.string().max(MAX_LENGTH.text) };
  const Create = z
    .object({ key: Key, ...fields, description: fields.description.default('') })
    .strict()
    .meta({ example });
  // Built from the fields, not from Create: a `.default()` kept under `.partial()` would reset an
  // omitted field (PATCH {name} would blank the description).
  const Update = z
    .object(fields)
    .partial()
    .strict()
    .meta({ example: { description: example.description } });
  return { Entity, Create, Update, Page: pageSchema(Entity), ListQuery: PageQuery.strict() };
}

export type NamedEntity = z.infer<ReturnType<typeof namedSchemas>['Entity']>;
export type NamedCreate = z.infer<ReturnType<typeof namedSchemas>['Create']>;
export type NamedUpdate = z.infer<ReturnType<typeof namedSchemas>['Update']>;
