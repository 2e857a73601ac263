import { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendEntity } from '../../http/etag';
import { CSV_CONTENT_TYPE, csvLine, type TabularFormat } from '../../http/tabular';

/** One turn of the event loop: what other requests queued runs before the next chunk is read. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Waits until no transaction is open on the shared connection. Writes are group-committed (see
 * CommitGroup): a transaction may stay open between turns of the event loop, and a read on the
 * same connection would see its uncommitted rows, which a failed commit could still take back.
 */
export async function settled(sqlite: Database.Database): Promise<void> {
  while (sqlite.inTransaction) await nextTurn();
}

/** How a sequence of row chunks becomes a body: what comes before the rows, between chunks, after. */
export interface Framing<R> {
  head: string;
  chunk(rows: readonly R[], first: boolean): string;
  tail: string;
}

/** RFC 4180: a header row of the column names, then one line per row. */
export function csvFraming<R>(columns: readonly (keyof R & string)[]): Framing<R> {
  return {
    head: csvLine(columns),
    chunk: (rows) => {
      let out = '';
      for (const row of rows) out += csvLine(columns.map((c) => row[c]));
      return out;
    },
    tail: '',
  };
}

/** A bare JSON array built piece by piece: valid JSON however many rows come, `[]` for none. */
export function jsonFraming<R>(serialize: (row: R) => string): Framing<R> {
  return {
    head: '[',
    chunk: (rows, first) => (first ? '' : ',') + rows.map(serialize).join(','),
    tail: ']',
  };
}

/** Set when the response is over (sent, or the client went away): a producer stops reading. */
export interface StopSignal {
  stopped: boolean;
}

export interface StreamedExport {
  format: TabularFormat;
  /** What the ETag is computed from: it must change whenever the body would. */
  tagged: unknown;
  /** The file name a CSV download is offered under. */
  filename: string;
  chunks: (stop: StopSignal) => AsyncGenerator<string>;
}

/**
 * Sends an export as a stream with its ETag (If-None-Match answers 304 before anything is read).
 * The body is pulled chunk by chunk as the socket drains (Readable.from respects backpressure),
 * so a large export never sits in memory; if the client goes away, the stream is destroyed and
 * the producer stops at its next chunk. A HEAD request reads no rows.
 */
export function sendStreamed(request: FastifyRequest, reply: FastifyReply, out: StreamedExport) {
  const stop: StopSignal = { stopped: false };
  const body =
    request.method === 'HEAD' ? Readable.from([]) : Readable.from(out.chunks(stop), { objectMode: true, highWaterMark: 1 });
  body.once('close', () => {
    stop.stopped = true;
  });
  reply.header('vary', 'accept');
  if (out.format === 'csv') reply.type(CSV_CONTENT_TYPE).header('content-disposition', `inline; filename="${out.filename}"`);
  else reply.type('application/json; charset=utf-8');
  return sendEntity(request, reply, body, 200, out.tagged);
}
