import type { Config } from '../../config';
import type { Db } from '../../db/client';
import { readCache } from '../../db/read-cache';
import { isoNow, type Clock } from '../../lib/clock';
import type { Ctx } from '../../lib/context';
import { policyRepo, type PolicyRow } from './policy.repo';
import { PolicyRulesSchema, type Policy, type PolicyRules } from './policy.schemas';

/** What reading the policy needs: the database, and the clock and settings to create the row. */
export type PolicyCtx = Pick<Ctx, 'db' | 'clock' | 'config'>;

/** The rules when nobody has set any: all off, and the check-in interval from the setting it replaces. */
export const defaultRules = (config: Pick<Config, 'CHECKIN_INTERVAL_DAYS'>): PolicyRules => ({
  require_central_metrics: false,
  require_hypothesis_to_start: false,
  require_baseline_to_start: false,
  require_retrospective_to_close: false,
  max_timebox_days: null,
  checkin_interval_days: config.CHECKIN_INTERVAL_DAYS,
  required_initiative_attributes: [],
});

// A stored document lacking a rule (one added later) gets that rule's default.
const StoredRules = PolicyRulesSchema.partial();

const toPolicy = (row: PolicyRow, config: Config): Policy => ({
  ...defaultRules(config),
  ...StoredRules.parse(JSON.parse(row.rules)),
  version: row.version,
  updated_at: row.updatedAt,
});

/**
 * Creates the policy row with the default rules when it is missing (at start, and on a read that
 * finds none). The initial check-in interval is CHECKIN_INTERVAL_DAYS; later the row decides.
 */
export function ensurePolicy(db: Db, clock: Clock, config: Config): PolicyRow {
  const repo = policyRepo(db);
  const found = repo.find();
  if (found) return found;
  repo.insertIfMissing(JSON.stringify(defaultRules(config)), isoNow(clock));
  return repo.find()!;
}

/**
 * The policy in force, from the read cache while nothing was written (any write drops the cache,
 * a PUT of the policy included), so the hot paths that ask for it cost no SQL.
 */
export function currentPolicy(ctx: PolicyCtx): Policy {
  return readCache(ctx.db, ctx.config.READ_CACHE_MB).read('policy', 0, () => {
    const row = ensurePolicy(ctx.db, ctx.clock, ctx.config);
    return { value: Object.freeze(toPolicy(row, ctx.config)), bytes: 2 * row.rules.length + 128 };
  })!;
}

/** Days without a check-in after which an active iteration is stale; fractions allowed. */
export const checkinIntervalDays = (ctx: PolicyCtx): number => currentPolicy(ctx).checkin_interval_days;
