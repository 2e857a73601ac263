import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeApp, type TestApp } from '../helpers/app';

export interface ServedApp extends TestApp {
  /** `http://127.0.0.1:<port>`, no trailing slash: what a client is given as its base URL. */
  baseUrl: string;
}

/**
 * The app on a temporary SQLite file, listening on a free local port: clients that speak HTTP
 * (newman, openapi-fetch) need a real socket, not `inject`.
 */
export async function serveApp(): Promise<ServedApp> {
  const dir = mkdtempSync(join(tmpdir(), 'roadworks-clients-'));
  const t = await makeApp({}, join(dir, 'roadworks.sqlite'));
  const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...t,
    baseUrl,
    async close() {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
