/** Small HTTP helpers for seeding and checking the servers before timing them. */

export type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;

/** A JSON client with a bearer key; any status but 200 or 201 is an error naming the request. */
export function api(baseUrl: string, key: string): Call {
  return async (method, path, body) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    }
    return text ? (JSON.parse(text) as unknown) : null;
  };
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

export async function getRaw(url: string, key?: string): Promise<RawResponse> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** Runs `task(0 .. count-1)` with at most `concurrency` in flight; the first failure rejects. */
export async function pool(concurrency: number, count: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
