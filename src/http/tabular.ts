import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { MAX_LENGTH } from './limits';
import { ApiError } from './problems';

/**
 * Reads that dashboards use answer JSON or CSV. The caller picks CSV with `Accept: text/csv`,
 * `?format=csv` or a `.csv` suffix on the path (for tools that can set neither a header nor a
 * parameter nicely, such as a spreadsheet's IMPORTDATA); JSON otherwise. A route opts in with
 * `config.csv: true`; elsewhere a `.csv` suffix is a 406, so no route answers JSON to a caller
 * who asked for CSV.
 */

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/** The query parameters every CSV-capable read takes (spread into its query schema). */
export const TabularQueryFields = {
  format: z.enum(['json', 'csv']).optional().describe('csv or json; overrides the Accept header. A `.csv` suffix on the path does the same as csv.'),
  access_token: z
    .string()
    .max(MAX_LENGTH.token)
    .optional()
    .describe('A viewer key, for tools that cannot send an Authorization header (Grafana Infinity, spreadsheets). Any other key here is a 401; never logged.'),
};

const csvSuffixed = new WeakSet<IncomingMessage>();

/** Fastify's `rewriteUrl`: `GET /v1/x.csv?q` is routed as `/v1/x?q`, remembered as a request for CSV. */
export function rewriteCsvSuffix(req: IncomingMessage): string {
  const url = req.url ?? '/';
  if (req.method !== 'GET' && req.method !== 'HEAD') return url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (!path.endsWith('.csv') || path.length <= 4) return url;
  csvSuffixed.add(req);
  return path.slice(0, -4) + (q === -1 ? '' : url.slice(q));
}

/** Accept names text/csv with a higher quality than JSON (an absent q counts as 1). */
function acceptPrefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let csv = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) || 0 : 1;
    if (type === 'text/csv') csv = Math.max(csv, q);
    else if (type === 'application/json' || type === '*/*' || type === 'application/*') json = Math.max(json, q);
  }
  return csv > 0 && csv > json;
}

export type TabularFormat = 'json' | 'csv';

export function formatOf(request: FastifyRequest): TabularFormat {
  if (csvSuffixed.has(request.raw)) return 'csv';
  const format = (request.query as { format?: unknown } | undefined)?.format;
  if (format === 'csv' || format === 'json') return format;
  return acceptPrefersCsv(request.headers.accept) ? 'csv' : 'json';
}

/** Refuses a `.csv` suffix on routes that have no CSV form (before authentication: nothing is read). */
export function registerTabular(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    if (csvSuffixed.has(request.raw) && request.routeOptions.config.csv !== true) {
      return done(new ApiError('not_acceptable', 'This resource has no CSV form; drop the .csv suffix.'));
    }
    done();
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    const config = route.config as { csv?: boolean; queryToken?: boolean } | undefined;
    const operationId = (route.schema as { operationId?: string } | undefined)?.operationId;
    if (operationId && config?.csv) CSV_OPERATIONS.add(operationId);
    if (operationId && config?.queryToken) QUERY_TOKEN_OPERATIONS.add(operationId);
  });
}

/** Operations documented with a text/csv response and the access_token scheme (see documentTabular). */
export const CSV_OPERATIONS = new Set<string>();
export const QUERY_TOKEN_OPERATIONS = new Set<string>();

/**
 * One CSV field (RFC 4180). Text that a spreadsheet would run as a formula (starting with =, +, -,
 * @, a tab or a carriage return) is prefixed with a single quote, so an export opened in a
 * spreadsheet never executes what someone typed into a note; numbers are written as they are.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (values: readonly unknown[]): string => `${values.map(csvField).join(',')}\r\n`;

/** A whole table: the header row, then one line per row, values in the order of `columns`. */
export function toCsv<R>(columns: readonly (keyof R & string)[], rows: Iterable<R>): string {
  let out = csvLine(columns);
  for (const row of rows) out += csvLine(columns.map((c) => row[c]));
  return out;
}
