import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RawJson } from './serializer';

/**
 * Keyset pagination. A cursor is the opaque encoding of the last row's sort key; the next page
 * starts strictly after it, so inserts and deletes never make a page repeat or skip a row.
 */
export type CursorValue = string | number;

export const encodeCursor = (value: CursorValue): string => Buffer.from(JSON.stringify([value])).toString('base64url');

function decodeCursor(cursor: string): CursorValue | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const value = Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : undefined;
    return typeof value === 'string' || typeof value === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}

function pageQuery<C extends CursorValue>(isKey: (v: CursorValue) => v is C) {
  return z.object({
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1 to 500'),
    cursor: z
      .string()
      .max(200)
      .optional()
      .transform((s, ctx): C | undefined => {
        if (s === undefined) return undefined;
        const value = decodeCursor(s);
        if (value === undefined || !isKey(value)) {
          ctx.addIssue({ code: 'custom', message: 'not a cursor this list issued; use next_cursor from the previous page' });
          return z.NEVER;
        }
        return value;
      })
      .describe('next_cursor of the previous page'),
  });
}

/** Lists ordered by id. */
export const PageQuery = pageQuery((v): v is string => typeof v === 'string');
/** Lists ordered by a number (iterations by version number). */
export const NumberedPageQuery = pageQuery((v): v is number => Number.isSafeInteger(v));

export interface PageRequest<C extends CursorValue = string> {
  limit: number;
  cursor?: C;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** Rows must have been fetched with `limit + 1` to tell whether another page follows. */
export function toPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => CursorValue, map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), next_cursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable().describe('Pass as ?cursor= for the next page') });

/** A page whose items the database rendered as JSON (see jsonSelect), with the `pageSchema` shape. */
export class RawPage extends RawJson {
  constructor(
    items: string[],
    readonly next_cursor: string | null,
  ) {
    super(`{"data":[${items.join(',')}],"next_cursor":${next_cursor === null ? 'null' : JSON.stringify(next_cursor)}}`);
  }
}

/** A RawPage from rows fetched with `limit + 1`, each carrying its rendered JSON. */
export function toRawPage<R extends { json: string }>(rows: R[], limit: number, keyOf: (row: R) => CursorValue): RawPage {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return new RawPage(pageRows.map((r) => r.json), more && last !== undefined ? encodeCursor(keyOf(last)) : null);
}

/** Adds the RFC 8288 `Link: <...>; rel="next"` header for a page that has a successor. */
export function withNextLink<P extends { next_cursor: string | null }>(request: FastifyRequest, reply: FastifyReply, page: P): P {
  if (page.next_cursor) {
    const url = new URL(request.url, 'http://localhost');
    url.searchParams.set('cursor', page.next_cursor);
    reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return page;
}
