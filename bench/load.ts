/** One bounded autocannon run over loopback, with every non-2xx answer and error counted. */
import autocannon from 'autocannon';

export const CONNECTIONS = 50;

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

export interface LoadResult {
  /** 2xx answers per second over the whole run. */
  rate: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Connection errors (autocannon counts timeouts among them). */
  errors: number;
  statuses: Record<string, number>;
}

/**
 * Each connection cycles through `requests` from its own starting offset, so the 50 connections
 * spread over the keys instead of asking for the same one in step. The request buffers are built
 * once per connection, so rotating costs nothing while timing.
 */
export async function runLoad(url: string, requests: LoadRequest[], opts: { seconds: number; headers: Record<string, string>; connections?: number }): Promise<LoadResult> {
  const connections = opts.connections ?? CONNECTIONS;
  const stride = Math.max(1, Math.floor(requests.length / connections));
  let connection = 0;
  const result = await autocannon({
    url,
    connections,
    pipelining: 1,
    duration: opts.seconds,
    headers: opts.headers,
    requests,
    setupClient: (client) => {
      const offset = (connection++ * stride) % requests.length;
      client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)].map((r) => ({ ...r })));
    },
  });
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]));
  return {
    rate: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    statuses,
  };
}
