import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendEntity } from './etag';
import { RawJson } from './serializer';
import { CSV_CONTENT_TYPE, formatOf } from './tabular';

/**
 * A dashboard read rendered once, when it is computed: its JSON text and its CSV table, each with
 * an ETag computed at most once. Kept in the read cache, a repeated read costs neither
 * serialization nor hashing, whatever its size. The body must be built in its response schema's
 * key order: the JSON text is JSON.stringify of it (tests check it against the schema's own).
 */
export class RenderedRead {
  readonly json: RawJson;
  readonly csv: RawJson;
  /** The next page's cursor, for the Link header of a paginated read. */
  readonly nextCursor: string | null;

  private constructor(json: string, csv: string, nextCursor: string | null) {
    this.json = new RawJson(json);
    this.csv = new RawJson(csv);
    this.nextCursor = nextCursor;
  }

  static of<T>(body: T, table: (body: T) => string): RenderedRead {
    return new RenderedRead(JSON.stringify(body), table(body), (body as { next_cursor?: string | null }).next_cursor ?? null);
  }

  /** About what the entry holds in memory (two bytes a character), for the read cache's bound. */
  get bytes(): number {
    return 2 * (this.json.text.length + this.csv.text.length) + 64;
  }
}

/** Sends a rendered read as JSON or CSV (see formatOf), with that form's ETag; If-None-Match answers 304. */
export function sendRendered<T>(request: FastifyRequest, reply: FastifyReply, read: RenderedRead) {
  reply.header('vary', 'accept');
  if (formatOf(request) === 'csv') return sendEntity(request, reply.type(CSV_CONTENT_TYPE), read.csv.text, 200, read.csv);
  return sendEntity(request, reply, read.json as unknown as T);
}
