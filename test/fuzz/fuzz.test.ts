import { describe, expect, it } from 'vitest';
import { runFuzz } from './run';

/**
 * A few thousand generated requests across every operation of the OpenAPI document, valid and
 * broken (see arbitraries.ts): none may be a 5xx, every error is a problem+json, and the database
 * comes out sound with every rollup equal to its recomputation. The seed is fixed so that `npm
 * test` is repeatable; FUZZ_SEED (and FUZZ_PATH, from a failure report) replays another run.
 * `npm run fuzz -- --requests 100000` is the long run.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20260105);
const requests = Number(process.env.FUZZ_REQUESTS ?? 3000);

describe(`fuzzing every operation (seed ${seed}, ${requests} requests)`, () => {
  it('never answers 5xx, answers every error as a problem, and leaves the database sound', { timeout: 180_000 }, async () => {
    const report = await runFuzz({ requests, seed, path: process.env.FUZZ_PATH });
    if (report.failure) expect.fail(`FUZZ_SEED=${seed}\n${report.failure}`);
    expect(report.serverErrors).toBe(0);
    expect(report.integrity.integrity).toEqual(['ok']);
    expect(report.integrity.foreignKeys).toEqual([]);
    expect(report.integrity.rollups).toEqual([]);
    // The valid half got past validation: writes of many kinds succeeded, measurements among them.
    const writes = Object.keys(report.successes).filter((op) => !/^(get|list|export|diff)/.test(op));
    expect(writes.length, `writes that succeeded: ${writes.join(', ')}`).toBeGreaterThanOrEqual(15);
    expect(report.successes.recordMeasurements ?? 0).toBeGreaterThan(0);
  });
});
