import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY } from '../helpers/app';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roadworks-start-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function ready(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never answered 200`);
}

describe('production start', () => {
  it('npm start runs the compiled bundle with plain node, and a signal sent to npm stops the server cleanly', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), DATABASE_PATH: join(dir, 'db.sqlite'), ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await ready(`http://127.0.0.1:${port}/readyz`, child, 60_000);

    // One node process below npm, running the bundle itself: no TypeScript loader, no shell.
    const below = spawnSync('ps', ['-o', 'args=', '--ppid', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
    expect(below).toMatch(/^node .*dist\/bin\/server\.js$/);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"signal":"SIGTERM"');
    expect(out).toContain('"clean":true');
    const left = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => 'answering',
      () => 'gone',
    );
    expect(left).toBe('gone');
  });

  it('the pre-start build is skipped while the bundle is newer than every source file', () => {
    const bundle = join(ROOT, 'dist/bin/server.js');
    spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT });
    const built = statSync(bundle).mtimeMs;
    const again = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT });
    expect(again.status).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(built);
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.prepare).toBe('node scripts/build.mjs');
    expect(scripts.prestart).toBe('node scripts/build.mjs --if-stale');
  });
});
