/**
 * The ceiling for the reads: bare Fastify from the same install, logger off, answering the very
 * bytes Roadworks answered (fetched from it before timing), with nothing else in the request path.
 *
 *   node --import tsx bench/ceiling-server.ts <responses.json> <port>
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

export interface StoredResponse {
  contentType: string;
  body: string;
}

export interface CeilingResponses {
  /** GET /v1/initiatives/{key}: one stored response per key. */
  initiatives: Record<string, StoredResponse>;
  /** GET /v1/initiatives?limit=50 (any query gets this response). */
  list: StoredResponse;
  /** Any other GET, by its exact URL (path and query): the dashboard reads of the large run. */
  paths?: Record<string, StoredResponse>;
}

async function main(): Promise<void> {
  const [file, port] = process.argv.slice(2);
  if (!file || !port) throw new Error('usage: ceiling-server.ts <responses.json> <port>');
  const responses = JSON.parse(readFileSync(file, 'utf8')) as CeilingResponses;
  const byKey = new Map(Object.entries(responses.initiatives));

  const app = Fastify({ logger: false });
  app.get('/v1/initiatives', (_request, reply) => {
    reply.header('content-type', responses.list.contentType).send(responses.list.body);
  });
  app.get<{ Params: { key: string } }>('/v1/initiatives/:key', (request, reply) => {
    const stored = byKey.get(request.params.key);
    if (!stored) return reply.code(404).send();
    reply.header('content-type', stored.contentType).send(stored.body);
  });
  const byUrl = new Map(Object.entries(responses.paths ?? {}));
  app.get('/*', (request, reply) => {
    const stored = byUrl.get(request.url);
    if (!stored) return reply.code(404).send();
    reply.header('content-type', stored.contentType).send(stored.body);
  });
  await app.listen({ host: '127.0.0.1', port: Number(port) });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ceiling server failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
