/** Documents the Idempotency-Key header (see idempotency.ts) on every POST operation of the OpenAPI document. */

interface Response {
  description?: string;
  headers?: Record<string, unknown>;
  content?: Record<string, unknown>;
}
interface Operation {
  parameters?: unknown[];
  responses?: Record<string, Response>;
}
interface Document {
  components?: Record<string, Record<string, unknown> | undefined>;
  paths?: Record<string, Record<string, Operation>>;
}

const PARAMETER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the first 2xx response to a POST with this key is stored (per API key, with the change it describes) ' +
    'and replayed for 24 hours, with `Idempotent-Replayed: true`, to any retry of the same request. The same key with a different ' +
    'method, path or body is a 422 idempotency_key_reused; a retry while the first request is still running is a 409 ' +
    'idempotency_key_in_use. Error responses are not stored: nothing was written, so a retry runs again. ' +
    '1 to 255 printable ASCII characters; a UUID is a good choice.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' },
  example: '0b6f3c1e-5d8a-4c4e-9a3b-7f1d2e6c9a10',
};

const REPLAYED = {
  description: 'true when this response is the stored response to an earlier request with the same Idempotency-Key',
  schema: { type: 'string', enum: ['true'] },
};

/** Per status: the problem an Idempotency-Key adds, as a response of its own or appended to the route's. */
const PROBLEMS: Record<string, { alone: string; also: string }> = {
  '409': {
    alone: 'A request with the same Idempotency-Key is still running (idempotency_key_in_use)',
    also: 'or idempotency_key_in_use: a request with the same Idempotency-Key is still running',
  },
  '422': {
    alone: 'The Idempotency-Key was already used for a different request (idempotency_key_reused)',
    also: 'or idempotency_key_reused: the Idempotency-Key was already used for a different request',
  },
};

export function documentIdempotencyKey<T>(generated: T): T {
  const document = generated as Document;
  const components = (document.components ??= {});
  components.parameters = { ...components.parameters, IdempotencyKey: PARAMETER };
  components.headers = { ...components.headers, IdempotentReplayed: REPLAYED };
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    const op = operations.post;
    if (!path.startsWith('/v1/') || !op?.responses) continue;
    op.parameters = [...(op.parameters ?? []), { $ref: '#/components/parameters/IdempotencyKey' }];
    const problem = op.responses['400']?.content;
    for (const [status, response] of Object.entries(op.responses)) {
      if (/^2\d\d$/.test(status)) response.headers = { ...response.headers, 'Idempotent-Replayed': { $ref: '#/components/headers/IdempotentReplayed' } };
    }
    for (const [status, { alone, also }] of Object.entries(PROBLEMS)) {
      const existing = op.responses[status];
      if (existing) existing.description = existing.description ? `${existing.description}; ${also}` : alone;
      else if (problem) op.responses[status] = { description: alone, content: problem };
    }
  }
  return generated;
}
