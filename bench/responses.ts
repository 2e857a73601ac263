/**
 * What the read ceilings answer: the exact responses of the real server, captured (and checked)
 * before timing, then checked again on the ceiling server so both sides send the same bytes.
 */
import type { CeilingResponses, StoredResponse } from './ceiling-server';
import { getRaw, pool, type RawResponse } from './http';

export const LIST_PATH = '/v1/initiatives?limit=50';
export const itemPath = (key: string) => `/v1/initiatives/${key}`;

function expectJson(what: string, res: RawResponse): unknown {
  if (res.status !== 200) throw new Error(`${what} answered ${res.status}: ${res.body.slice(0, 300)}`);
  if (!res.contentType.startsWith('application/json')) throw new Error(`${what} answered content-type ${res.contentType}`);
  return JSON.parse(res.body) as unknown;
}

export async function captureReads(baseUrl: string, adminKey: string, keys: string[]): Promise<CeilingResponses> {
  const initiatives: Record<string, StoredResponse> = {};
  await pool(6, keys.length, async (i) => {
    const key = keys[i] ?? '';
    const res = await getRaw(baseUrl + itemPath(key), adminKey);
    const body = expectJson(`GET ${itemPath(key)}`, res) as { key?: string; current_iteration?: { status?: string } | null };
    if (body.key !== key || body.current_iteration?.status !== 'under_construction') {
      throw new Error(`GET ${itemPath(key)} did not answer the seeded initiative with v1 under construction: ${res.body.slice(0, 300)}`);
    }
    initiatives[key] = { contentType: res.contentType, body: res.body };
  });
  const listRes = await getRaw(baseUrl + LIST_PATH, adminKey);
  const list = expectJson(`GET ${LIST_PATH}`, listRes) as { data?: unknown[] };
  if (list.data?.length !== 50) throw new Error(`GET ${LIST_PATH} answered ${list.data?.length} items, expected 50`);
  return { initiatives, list: { contentType: listRes.contentType, body: listRes.body } };
}

/** The ceiling must answer the same status, content type and bytes as Roadworks did. */
export async function verifyCeiling(ceilingUrl: string, adminKey: string, expected: CeilingResponses, sampleKey: string): Promise<void> {
  const checks: Array<[string, StoredResponse | undefined]> = [
    [itemPath(sampleKey), expected.initiatives[sampleKey]],
    [LIST_PATH, expected.list],
  ];
  for (const [path, want] of checks) {
    const got = await getRaw(ceilingUrl + path, adminKey);
    if (!want || got.status !== 200 || got.contentType !== want.contentType || got.body !== want.body) {
      throw new Error(`the ceiling server's answer to GET ${path} differs from Roadworks' (status ${got.status}, ${got.contentType})`);
    }
  }
}
