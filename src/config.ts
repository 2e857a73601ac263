import { z } from 'zod';

const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

/** Every setting of the service, parsed once at start from the environment. */
export const ConfigSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: intFrom(3000, 0, 65535),
  DATABASE_PATH: z.string().min(1).default('./data/roadworks.sqlite'),
  /** Optional; when unset and no admin key exists yet, one is generated and printed once. */
  ADMIN_API_KEY: z.string().min(24, 'ADMIN_API_KEY must be at least 24 characters').optional(),
  LOG_LEVEL: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .default('info'),
  /** FULL survives power loss; NORMAL is faster and still safe against process crashes in WAL mode. */
  DB_SYNCHRONOUS: z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(['FULL', 'NORMAL']))
    .default('FULL'),
  BODY_LIMIT_BYTES: intFrom(1_048_576, 1024, 64 * 1_048_576),
  /** POST /v1/measurements takes batches of up to 10,000 rows, so its bodies may be larger. */
  MEASUREMENT_BODY_LIMIT_BYTES: intFrom(8 * 1_048_576, 1024, 256 * 1_048_576),
  REQUEST_TIMEOUT_MS: intFrom(30_000, 1000, 600_000),
  /** On SIGTERM, keep answering 503 this long before closing the listener (queued requests get an answer). */
  SHUTDOWN_DRAIN_MS: intFrom(1000, 0, 60_000),
  SHUTDOWN_TIMEOUT_MS: intFrom(10_000, 100, 600_000),
  /**
   * Memory for answers to repeated reads (authenticated keys, rendered initiatives and pages),
   * dropped at every write; 0 turns it off. See src/db/read-cache.ts.
   */
  READ_CACHE_MB: intFrom(16, 0, 1024),
  /**
   * SQLite's page cache, in MB. 2 is SQLite's own default; a larger one speeds up uncached dashboard
   * computations over a large organisation, at a cost in memory during ingest (see bench/RESULTS.md).
   */
  DB_CACHE_MB: intFrom(2, 2, 4096),
  /**
   * The initial value of the policy's checkin_interval_days (an active iteration without a check-in
   * for longer is `stale`), used when the policy row is created; from then on PUT /v1/policy decides.
   */
  CHECKIN_INTERVAL_DAYS: intFrom(7, 1, 365),
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(env: Record<string, string | undefined>): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(defined);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
