/**
 * Every key has at least the viewer role, so a route any key may call (`access: 'viewer'`) never
 * answers 403: its documented responses drop the 403 that errorResponses adds to every route.
 */

interface Document {
  paths?: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown> }>>;
}

/** Operations of routes open to every key; filled as the routes are registered (see registerAuth). */
export const ANY_KEY_OPERATIONS = new Set<string>();

export function documentAccess<T>(generated: T): T {
  for (const operations of Object.values((generated as Document).paths ?? {})) {
    for (const op of Object.values(operations)) {
      if (op.operationId && ANY_KEY_OPERATIONS.has(op.operationId)) delete op.responses?.['403'];
    }
  }
  return generated;
}
