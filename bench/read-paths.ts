/**
 * Read-path benchmark: how the hot reads hold up on a database with many initiatives, each with
 * iterations and check-ins (what an initiative's current_iteration is computed from).
 * Prints the median time per operation over several rounds, and ratios measured in the same run.
 *
 *   npm run bench            (ROWS=20000 ROUNDS=7 by default)
 */
import { eq, or } from 'drizzle-orm';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { checkIns, initiatives, iterations, teams } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { ensureAdminKey } from '../src/modules/api-keys/api-keys.bootstrap';
import { initiativesRepo } from '../src/modules/initiatives/initiatives.repo';
import { systemClock } from '../src/lib/clock';

const ROWS = Number(process.env.ROWS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const ADMIN = 'rw_bench_admin_key_000000000000000000';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timeIt(name: string, ops: number, fn: (i: number) => unknown): Promise<number> {
  const perOp: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) await fn(i);
    perOp.push(Number(process.hrtime.bigint() - start) / ops / 1000);
  }
  const m = median(perOp);
  console.log(`${name.padEnd(48)} ${m.toFixed(1).padStart(9)} µs/op  (median of ${ROUNDS} rounds of ${ops})`);
  return m;
}

async function main(): Promise<void> {
  const config = loadConfig({ DATABASE_PATH: ':memory:', ADMIN_API_KEY: ADMIN });
  const db = openDatabase({ path: ':memory:' });
  ensureAdminKey(db, systemClock, ADMIN);
  const now = new Date().toISOString();
  db.insert(teams).values({ id: 'team_bench', key: 'bench', name: 'Bench', description: '', version: 1, createdAt: now, updatedAt: now }).run();
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) {
      db.insert(initiatives)
        .values({
          id: `ini_${String(i).padStart(26, '0')}`,
          key: `initiative-${i}`,
          title: `Initiative ${i}`,
          summary: '',
          teamId: 'team_bench',
          owner: null,
          themeId: null,
          horizon: 'now',
          status: 'active',
          tags: ['bench'],
          attributes: {},
          archivedAt: null,
          version: 1,
          createdAt: now,
          updatedAt: now,
        })
        .run();
      // Two closed versions and one under construction with a check-in: the list embeds the current one.
      for (let n = 1; n <= 3; n++) {
        const iterationId = `itr_${String(i * 3 + n).padStart(26, '0')}`;
        db.insert(iterations)
          .values({
            id: iterationId,
            initiativeId: `ini_${String(i).padStart(26, '0')}`,
            number: n,
            title: `v${n}`,
            goal: '',
            plannedStart: null,
            plannedEnd: null,
            status: n < 3 ? 'closed' : 'under_construction',
            startedAt: now,
            reviewStartedAt: null,
            closedAt: n < 3 ? now : null,
            abandonedAt: null,
            decision: n < 3 ? 'persevere' : null,
            outcome: null,
            basedOnId: null,
            version: 1,
            createdAt: now,
            updatedAt: now,
          })
          .run();
        db.insert(checkIns)
          .values({ id: `chk_${iterationId}`, iterationId, health: 'on_track', note: '', authorKeyId: 'k', authorName: 'bench', createdAt: now })
          .run();
      }
    }
  });
  const app = await buildApp({ config, db, logger: createLogger('silent') });
  await app.ready();
  console.log(`${ROWS} initiatives with 3 iterations and 3 check-ins each, node ${process.version}`);

  const key = (i: number) => `initiative-${(i * 7919) % ROWS}`;
  const prepared = await timeIt('repo.find(key), prepared statement', 20_000, (i) => initiativesRepo(db).read(key(i)));
  const builder = await timeIt('same read through the query builder', 20_000, (i) =>
    db.select().from(initiatives).innerJoin(teams, eq(teams.id, initiatives.teamId))
      .where(or(eq(initiatives.id, key(i)), eq(initiatives.key, key(i)))).get(),
  );
  const auth = { authorization: `Bearer ${ADMIN}` };
  const get = await timeIt('GET /v1/initiatives/{key} (inject, auth + ETag)', 2_000, (i) =>
    app.inject({ method: 'GET', url: `/v1/initiatives/${key(i)}`, headers: auth }),
  );
  const list = await timeIt('GET /v1/initiatives?limit=50', 300, () => app.inject({ method: 'GET', url: '/v1/initiatives?limit=50', headers: auth }));
  console.log(`prepared/builder speed ratio: ${(builder / prepared).toFixed(1)}x; one HTTP read costs ${(get / prepared).toFixed(0)}x the bare read; a 50-item page costs ${(list / get).toFixed(1)}x a single read`);
  await app.close();
  db.$client.close();
}

void main();
