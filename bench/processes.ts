/**
 * Child processes of the benchmark: each is spawned detached (its own process group) so that one
 * signal to the group reaches every level (npm -> sh -> node), and every group still alive
 * is killed when the benchmark exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const liveGroups = new Set<number>();

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

process.on('exit', () => {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
});

/** Ctrl-C or a kill of the benchmark stops its children, then runs `cleanup`, before it goes. */
export function stopChildrenOnSignals(cleanup: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's child processes\n`);
      void Promise.all([...liveGroups].map((pgid) => stopGroup(pgid, 3000)))
        .then(cleanup)
        .finally(() => process.exit(130));
    });
  }
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  logPath: string;
  exited: Promise<number | null>;
}

/** Spawns a command in its own process group, with stdout and stderr appended to `logPath`. */
export function spawnDetached(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; logPath: string }): Spawned {
  const fd = openSync(opts.logPath, 'a');
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not spawn ${command} ${args.join(' ')}`);
  const pid = child.pid;
  liveGroups.add(pid);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return { child, pid, logPath: opts.logPath, exited };
}

/** SIGTERM to the whole group, SIGKILL after `graceMs` if any member is still there. */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  killGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0 && Date.now() < deadline) await sleep(50);
  if (groupMembers(pgid).length > 0) killGroup(pgid, 'SIGKILL');
  while (groupMembers(pgid).length > 0 && Date.now() < deadline + 2000) await sleep(50);
  liveGroups.delete(pgid);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `url` until it answers 200; fails early when the process exits or `timeoutMs` passes. */
export async function waitFor200(url: string, spawned: Spawned, timeoutMs: number, pollMs = 100): Promise<void> {
  let exitCode: number | null | undefined;
  void spawned.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`process exited (code ${exitCode}) before ${url} answered 200; see ${spawned.logPath}:\n${logTail(spawned.logPath)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(pollMs);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (${last}); see ${spawned.logPath}:\n${logTail(spawned.logPath)}`);
}

export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// --- /proc: the process tree and its memory ---

interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (in parentheses) may contain spaces: the fixed fields start after the last ')'.
    const [, ppid, pgrp] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return null;
  }
}

function allStats(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((s): s is ProcStat => s !== null);
}

function groupMembers(pgid: number): number[] {
  return allStats()
    .filter((s) => s.pgrp === pgid)
    .map((s) => s.pid);
}

/** Every process below `root`, at any depth (found through the ppid field of /proc/<pid>/stat). */
export function descendants(root: number): number[] {
  const stats = allStats();
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = stats.filter((s) => frontier.includes(s.ppid)).map((s) => s.pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Peak resident set size (VmHWM) of a process in bytes, or null if it is gone. */
export function peakRssBytes(pid: number): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
