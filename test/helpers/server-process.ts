/**
 * Roadworks in a child process, as users run it: the entry point bundled by esbuild with the
 * options of the production build (scripts/build.mjs, run by `npm start`) and run by plain node,
 * so that a test can kill it with SIGKILL, restart it on the same file, or run the operator's
 * tools (scripts/backup.ts, scripts/restore.ts) against it from another process.
 *
 * Bundles live under node_modules/.cache (ignored by git and eslint): the server finds its
 * migrations by walking up from its own file (src/db/migrate.ts), and its packages resolve from
 * the project's node_modules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
// @ts-expect-error: plain JavaScript, run by node at npm start; its options are typed by esbuild at the call.
import { serverBuildOptions } from '../../scripts/build.mjs';
import { ConfigSchema } from '../../src/config';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const STARTUP_TIMEOUT_MS = 30_000;
const LOG_LINES_KEPT = 40;

/** Children still running, killed if the test process exits without stopping them. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A folder for this process's bundles under node_modules/.cache; `remove` deletes it. */
export function bundleFolder(): { path: string; remove: () => void } {
  const path = join(REPO_ROOT, 'node_modules', '.cache', 'roadworks-test', `${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(path, { recursive: true });
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Bundles the server into `folder` with the options of scripts/build.mjs (keep them alike);
 * returns the file.
 */
export async function bundleServer(folder: string): Promise<string> {
  const outfile = join(folder, 'server.js');
  await build(serverBuildOptions(outfile));
  return outfile;
}

/**
 * Bundles an operator's tool (scripts/backup.ts, scripts/restore.ts) into `folder` as its npm
 * script does (package.json "backup", "restore"); returns the file.
 */
export async function bundleTool(entry: string, folder: string): Promise<string> {
  const outfile = join(folder, `${basename(entry).replace(/\.ts$/, '')}.js`);
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    outfile,
  });
  return outfile;
}

/**
 * The environment of a child: the test's own, without any Roadworks setting it may carry, plus
 * `settings`. A child never inherits a setting by accident.
 */
export function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(ConfigSchema.shape)) delete env[name];
  delete env.NODE_OPTIONS;
  return { ...env, ...settings };
}

export interface ServerProcess {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  /** Resolves when the process is gone, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGKILL and waits until the process is gone: nothing of it runs any more. */
  kill: () => Promise<void>;
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`; resolves once it is gone. */
  stop: (graceMs?: number) => Promise<void>;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  logTail: () => string;
}

export interface StartOptions {
  /** The bundled server (bundleServer). */
  bundle: string;
  databasePath: string;
  adminKey: string;
  /** Further settings (LOG_LEVEL stays info: the listening line tells the port). */
  settings?: Record<string, string>;
}

/** Starts the bundled server on a port the system picks, and resolves once it listens. */
export async function startServer(opts: StartOptions): Promise<ServerProcess> {
  const env = childEnv({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_PATH: opts.databasePath,
    ADMIN_API_KEY: opts.adminKey,
    ...opts.settings,
    LOG_LEVEL: 'info',
  });
  const child = spawn(process.execPath, ['--enable-source-maps', opts.bundle], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > LOG_LINES_KEPT) lines.shift();
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const logTail = () => lines.join('\n');

  // Reading stdout to its end also keeps the pipe drained: a full pipe would stall the server.
  const listening = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      if (url) resolve(url);
    });
    createInterface({ input: child.stderr! }).on('line', keep);
    void exited.then(({ code, signal }) => reject(new Error(`the server exited (${signal ?? `code ${code}`}) before listening:\n${logTail()}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server did not listen within ${STARTUP_TIMEOUT_MS} ms:\n${logTail()}`)), STARTUP_TIMEOUT_MS);
  });

  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  let url: string;
  try {
    url = await Promise.race([listening, timeout]);
  } catch (err) {
    await kill();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    url,
    pid: child.pid!,
    exited,
    kill,
    logTail,
    async stop(graceMs = 15_000) {
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(forced);
    },
  };
}
