/**
 * Cold start: from spawning the server to its first 200 on /readyz, on the benchmark's database
 * (seeded and written to). Measured twice: the command `npm start` runs (package.json's "start",
 * the compiled bundle on plain node), and `npm start` itself, whose npm and stale-build check come
 * on top.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../src/config';
import { freePort, spawnDetached, stopGroup, type Spawned } from './processes';
import { median } from './report';

const POLL_MS = 5;

async function firstReady(url: string, spawned: Spawned, timeoutMs: number): Promise<void> {
  let exited = false;
  void spawned.exited.then(() => (exited = true));
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exited) throw new Error(`the server exited before it was ready; see ${spawned.logPath}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`no 200 from ${url} within ${timeoutMs} ms; see ${spawned.logPath}`);
}

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
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(ConfigSchema.shape)) delete env[name];
    Object.assign(env, {
      PORT: String(port),
      DATABASE_PATH: join(opts.tmpDir, 'roadworks.sqlite'),
      ADMIN_API_KEY: opts.adminKey,
      DB_SYNCHRONOUS: opts.synchronous,
    });
    const began = performance.now();
    const spawned = spawnDetached(command, args, { cwd: opts.repoRoot, env, logPath: join(opts.tmpDir, `cold-start-${i}.log`) });
    try {
      await firstReady(`http://127.0.0.1:${port}/readyz`, spawned, 30_000);
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
