import { loadConfig } from './config';
import { buildApp } from './app';
import { openDatabase } from './db/client';
import { storageFaults } from './db/storage-faults';
import { createLogger, stdoutDestination } from './logger';
import { shutdown } from './lifecycle';
import { ensureAdminKey } from './modules/api-keys/api-keys.bootstrap';
import { systemClock } from './lib/clock';

/** The only place that reads the environment and listens. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.LOG_LEVEL, stdoutDestination());
  const db = openDatabase({
    path: config.DATABASE_PATH,
    synchronous: config.DB_SYNCHRONOUS,
    cacheMb: config.DB_CACHE_MB,
    busyTimeoutMs: config.DB_BUSY_TIMEOUT_MS,
  });
  const readOnly = storageFaults(db).current === 'read_only';
  if (readOnly) {
    logger.warn(
      'The database file is read-only: serving reads with the API keys it holds (ADMIN_API_KEY is not stored); writes are answered 503 until it is writable and the server restarts.',
    );
  }
  const { generatedSecret } = readOnly ? {} : ensureAdminKey(db, systemClock, config.ADMIN_API_KEY);
  if (generatedSecret) {
    // Printed once, to the terminal only, never into the JSON logs.
    process.stderr.write(
      `\nNo ADMIN_API_KEY was set, so an admin key was generated. It is shown only this once:\n\n  ${generatedSecret}\n\n`,
    );
  }
  const app = await buildApp({ config, db, logger, clock: systemClock });
  await app.listen({ host: config.HOST, port: config.PORT });

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      void shutdown(app, db, { drainMs: config.SHUTDOWN_DRAIN_MS, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }).then((clean) => {
        logger.info({ clean }, 'stopped');
        process.exit(clean ? 0 : 1);
      });
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`Roadworks failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
