/**
 * The two servers under load: Roadworks started exactly as users start it (`npm start`), and the
 * bare Fastify ceiling (bench/ceiling-server.ts) in a process of its own.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigSchema } from '../src/config';
import { commandLine, descendants, freePort, peakRssBytes, spawnDetached, stopGroup, waitFor200, type Spawned } from './processes';

export interface RunningServer {
  url: string;
  logPath: string;
  stop: () => Promise<void>;
}

export interface RoadworksServer extends RunningServer {
  /** The largest VmHWM among the processes below `npm start`: the node that runs the server. */
  peakRss: () => { bytes: number; pid: number; command: string };
}

const STARTUP_TIMEOUT_MS = 60_000;

function stopper(spawned: Spawned): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stopGroup(spawned.pid, 15_000));
}

/**
 * The environment Roadworks runs with in bench/: every setting at its default (LOG_LEVEL too: info
 * JSON logs) except these. The rate limiter still counts every request, but one key driving the
 * server flat out would be refused after its per-minute allowance: its limit is raised, not off.
 */
export function roadworksEnv(opts: { port: number; tmpDir: string; adminKey: string; synchronous: string; settings?: Record<string, string> }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(ConfigSchema.shape)) delete env[name];
  return Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(opts.port),
    DATABASE_PATH: join(opts.tmpDir, 'roadworks.sqlite'),
    ADMIN_API_KEY: opts.adminKey,
    DB_SYNCHRONOUS: opts.synchronous,
    RATE_LIMIT_MAX: '1000000000',
    ...opts.settings,
  });
}

export async function startRoadworks(opts: {
  repoRoot: string;
  tmpDir: string;
  adminKey: string;
  synchronous: string;
  /** Profile every node below `npm start` (bench/cpu-profile-preload.mjs), writing here. */
  profileDir?: string;
  /** Settings other than the defaults (e.g. READ_CACHE_MB=0), and a name for the log file. */
  settings?: Record<string, string>;
  name?: string;
}): Promise<RoadworksServer> {
  const port = await freePort();
  const env = roadworksEnv({ port, tmpDir: opts.tmpDir, adminKey: opts.adminKey, synchronous: opts.synchronous, settings: opts.settings });
  if (opts.profileDir) {
    mkdirSync(opts.profileDir, { recursive: true });
    const preload = join(opts.repoRoot, 'bench/cpu-profile-preload.mjs');
    Object.assign(env, { ROADWORKS_PROFILE_DIR: opts.profileDir, NODE_OPTIONS: `${env.NODE_OPTIONS ?? ''} --import=${preload}`.trim() });
  }
  const spawned = spawnDetached('npm', ['start'], { cwd: opts.repoRoot, env, logPath: join(opts.tmpDir, `${opts.name ?? 'server'}.log`) });
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(spawned);
  try {
    await waitFor200(`${url}/readyz`, spawned, STARTUP_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  const peakRss = () => {
    const measured = descendants(spawned.pid)
      .map((pid) => ({ pid, bytes: peakRssBytes(pid) ?? 0, command: commandLine(pid) }))
      .sort((a, b) => b.bytes - a.bytes);
    const top = measured[0];
    if (!top || top.bytes === 0) throw new Error('could not read the server process memory from /proc');
    return top;
  };
  return { url, logPath: spawned.logPath, stop, peakRss };
}

/** Starts bench/ceiling-server.ts on a free port, serving the responses stored in `responsesFile`. */
export async function startCeilingServer(opts: { repoRoot: string; tmpDir: string; responsesFile: string }): Promise<RunningServer> {
  const port = await freePort();
  const spawned = spawnDetached(
    process.execPath,
    ['--import', 'tsx', join(opts.repoRoot, 'bench/ceiling-server.ts'), opts.responsesFile, String(port)],
    { cwd: opts.repoRoot, env: process.env, logPath: join(opts.tmpDir, 'ceiling-server.log') },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = stopper(spawned);
  try {
    await waitFor200(`${url}/v1/initiatives`, spawned, STARTUP_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, logPath: spawned.logPath, stop };
}
