import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrashCycles } from '../helpers/crash-run';
import { bundleFolder, bundleServer } from '../helpers/server-process';

/**
 * A bounded run of the crash-durability check (test/helpers/crash-run.ts): each cycle kills the
 * server with SIGKILL under concurrent writes, restarts it on the same file and checks every
 * write. A server start takes one to three seconds on a busy two-core machine, so `npm test`
 * runs a few cycles; `npm run crash -- --cycles 200` is the long run.
 */
const CYCLES = 5;

let dir: string;
let folder: ReturnType<typeof bundleFolder>;
let server: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roadworks-crash-'));
  folder = bundleFolder();
  server = await bundleServer(folder.path);
});
afterAll(() => {
  folder?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('crash durability', () => {
  it(`keeps every acknowledged write, and nothing half, through ${CYCLES} kills under write load`, { timeout: 180_000 }, async () => {
    const figures = await runCrashCycles({ bundle: server, dir, cycles: CYCLES, loadMs: [150, 600] });
    const { problems, ...counts } = figures;
    console.info(`crash durability: ${JSON.stringify(counts)}`);

    expect(problems).toEqual([]);
    expect(counts.cycles).toBe(CYCLES);
    expect(counts.lost).toBe(0);
    expect(counts.halfApplied).toBe(0);
    // The kills hit writes in flight, and the checks saw acknowledged writes after restarts.
    expect(counts.unanswered).toBeGreaterThan(0);
    expect(counts.checked).toBeGreaterThan(0);
    expect(counts.replays).toBeGreaterThan(0);
  });
});
