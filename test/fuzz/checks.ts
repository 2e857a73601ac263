import type Database from 'better-sqlite3';
import type { LightMyRequestResponse } from 'fastify';
import { ProblemSchema } from '../../src/http/schemas';
import { rollupDrift, type RollupDrift } from '../helpers/rollup-check';

/**
 * What every response must be, whatever was sent: a success (2xx, or 304 for a conditional read)
 * or a 4xx RFC 9457 problem whose request_id is the response's X-Request-Id. Never a 5xx.
 * Returns what is wrong, or undefined.
 */
export function responseFault(method: string, res: LightMyRequestResponse): string | undefined {
  const status = res.statusCode;
  if (status >= 500) return `answered ${status}: ${res.body.slice(0, 2000)}`;
  if ((status >= 200 && status < 300) || status === 304) return undefined;
  if (status < 400) return `answered ${status}, neither a success nor a problem`;
  const type = String(res.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) return `answered ${status} as '${type}', not application/problem+json: ${res.body.slice(0, 500)}`;
  // A HEAD response has the headers of the GET and no body.
  if (method === 'HEAD') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `answered ${status} with a problem body that is not JSON: ${res.body.slice(0, 500)}`;
  }
  const parsed = ProblemSchema.safeParse(body);
  if (!parsed.success) return `answered ${status} with a problem missing fields (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}): ${res.body.slice(0, 500)}`;
  const problem = parsed.data;
  if (problem.status !== status) return `answered ${status} with a problem saying status ${problem.status}`;
  if (!problem.title || !problem.detail || !problem.code || !problem.type) return `answered ${status} with an empty problem field: ${res.body.slice(0, 500)}`;
  if (problem.request_id !== res.headers['x-request-id']) return `answered ${status} with request_id ${problem.request_id} but X-Request-Id ${String(res.headers['x-request-id'])}`;
  return undefined;
}

export interface IntegrityReport {
  /** PRAGMA integrity_check: ['ok'] when sound. */
  integrity: string[];
  /** PRAGMA foreign_key_check: every row whose reference points nowhere. */
  foreignKeys: unknown[];
  rollups: RollupDrift[];
}

export function checkIntegrity(sqlite: Database.Database): IntegrityReport {
  return {
    integrity: (sqlite.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check),
    foreignKeys: sqlite.pragma('foreign_key_check') as unknown[],
    rollups: rollupDrift(sqlite),
  };
}

export const integrityClean = (r: IntegrityReport) => r.integrity.length === 1 && r.integrity[0] === 'ok' && r.foreignKeys.length === 0 && r.rollups.length === 0;
