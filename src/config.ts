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
  /**
   * How long a write waits for another process's lock on the database file before it is answered
   * 503 (the wait blocks the whole event loop: better-sqlite3 is synchronous). 1 s rides out another
   * writer's short transaction or a checkpoint that takes the lock (milliseconds in WAL mode; readers
   * and backups never block writers) yet stays short enough that reads and health checks are not
   * held up for long; at most PRESSURE_MAX_EVENT_LOOP_DELAY_MS, so that one wait does not look like
   * an overloaded server. See README "When storage fails".
   */
  DB_BUSY_TIMEOUT_MS: intFrom(1000, 0, 60_000),
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
  /**
   * Requests one API key may make per window (429 `rate_limited` beyond, with Retry-After); 0 turns
   * the limiter off. Counted in this process's memory: each server process counts on its own.
   */
  RATE_LIMIT_MAX: intFrom(6000, 0, 1_000_000_000),
  RATE_LIMIT_WINDOW_MS: intFrom(60_000, 1000, 86_400_000),
  /**
   * When the event loop's mean lag over the last PRESSURE_SAMPLE_INTERVAL_MS exceeds this, requests
   * get a 503 `overloaded` with Retry-After until it recovers; 0 turns the check off. Under the
   * benchmark's loads the mean lag stays a few hundred ms at most, so the default fires only on a stall.
   */
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: intFrom(1000, 0, 60_000),
  /**
   * The lag is averaged over this long. A single long task (a big batch, the first OpenAPI
   * document) is one late sample among many over 5 s, so only a sustained lag trips the check.
   */
  PRESSURE_SAMPLE_INTERVAL_MS: intFrom(5000, 100, 60_000),
  /**
   * Origins whose browser pages may call the API, comma-separated (`https://app.example.com`), or
   * `*` for any; empty (the default): no CORS headers, and browsers keep to same-origin calls.
   */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const origins = [...new Set(s.split(',').map((o) => o.trim()).filter((o) => o !== ''))];
      for (const origin of origins) {
        if (origin !== '*' && !isOrigin(origin)) {
          ctx.addIssue({ code: 'custom', message: `'${origin}' is not an origin such as https://app.example.com (scheme, host and port only) or *` });
        }
      }
      return origins;
    }),
});

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === text;
  } catch {
    return false;
  }
}

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
