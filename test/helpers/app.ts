import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { openDatabase, type Db } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { ensureAdminKey } from '../../src/modules/api-keys/api-keys.bootstrap';
import { TestClock } from './clock';

export const ADMIN_KEY = 'rw_test_admin_key_0123456789abcdef';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  clock: TestClock;
  config: Config;
  /** The admin secret: ADMIN_API_KEY, or the one generated when the test unset it (`ADMIN_API_KEY: ''`). */
  adminKey: string;
  /** Sends a request with the given bearer key (admin by default; `null` for none). */
  call(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A fresh app on its own in-memory database, migrated by the same code the server uses. */
export async function makeApp(env: Record<string, string> = {}, dbPath = ':memory:'): Promise<TestApp> {
  // The overload guard is off unless a test turns it on (test/http/overload.test.ts): on a busy CI
  // machine a slow test file must not get 503s that have nothing to do with what it tests.
  const config = loadConfig({ DATABASE_PATH: dbPath, ADMIN_API_KEY: ADMIN_KEY, PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', ...env });
  const clock = new TestClock();
  const db = openDatabase({ path: config.DATABASE_PATH, synchronous: config.DB_SYNCHRONOUS, busyTimeoutMs: config.DB_BUSY_TIMEOUT_MS });
  const { generatedSecret } = ensureAdminKey(db, clock, config.ADMIN_API_KEY);
  const adminKey = config.ADMIN_API_KEY ?? generatedSecret ?? '';
  const app = await buildApp({ config, db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), clock, verifyResponses: true });
  await app.ready();
  return {
    app,
    db,
    clock,
    config,
    adminKey,
    call: ({ key = adminKey, headers, ...opts }) =>
      app.inject({ ...opts, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } }),
    async close() {
      await app.close();
      db.$client.close();
    },
  };
}
