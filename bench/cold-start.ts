/**
 * Cold start: from spawning the server to its first 200 on /readyz, on the benchmark's database
 * (seeded and written to). Measured twice: the command `npm start` runs (package.json's "start",
 * the compiled bundle on plain node), and `npm start` itself, whose npm and stale-build check come
 * on top.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnDetached, stopGroup, waitFor200 } from './processes';
import { roadworksEnv } from './server-process';
import { median } from './report';

/** Polled this often, so that the figure is the start's and not the polling's. */
const POLL_MS = 5;

export interface ColdStart {
  /** Median milliseconds from spawn to the first 200 on /readyz, for the start command alone. */
  nodeMs: number;
  /** The same through `npm start`. */
  npmMs: number;
  starts: number;
}

export async function measureColdStart(opts: { repoRoot: string; tmpDir: string; adminKey: string; synchronous: string; starts: number }): Promise<ColdStart> {
  const startCommand = (JSON.parse(readFileSync(join(opts.repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const timed = async (command: string, args: string[], i: number): Promise<number> => {
    const port = await freePort();
    const env = roadworksEnv({ port, tmpDir: opts.tmpDir, adminKey: opts.adminKey, synchronous: opts.synchronous });
    const began = performance.now();
    const spawned = spawnDetached(command, args, { cwd: opts.repoRoot, env, logPath: join(opts.tmpDir, `cold-start-${i}.log`) });
    try {
      await waitFor200(`http://127.0.0.1:${port}/readyz`, spawned, 30_000, POLL_MS);
      return performance.now() - began;
    } finally {
      await stopGroup(spawned.pid, 10_000);
    }
  };
  const node: number[] = [];
  const npm: number[] = [];
  for (let i = 0; i < opts.starts; i++) {
    node.push(await timed('/bin/sh', ['-c', startCommand], i));
    npm.push(await timed('npm', ['start', '--silent'], i));
  }
  return { nodeMs: median(node), npmMs: median(npm), starts: opts.starts };
}
