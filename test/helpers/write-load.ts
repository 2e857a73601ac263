/**
 * Concurrent write load on a running server, as API clients make it: single measurements,
 * batches, voids, check-ins and iteration transitions, each sent once with its own
 * Idempotency-Key and carrying a unique tag (a source, note, goal or outcome) by which the
 * database shows whether, and how completely, it was applied. A write is acknowledged when its
 * whole 2xx response arrived; a write whose answer never came (the server died) is returned to the
 * caller, who retries it with the same key, as a client would.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export type WriteKind = 'measurement' | 'batch' | 'void' | 'check-in' | 'plan' | 'start' | 'review' | 'close';

export interface Answer {
  status: number;
  body: string;
  replayed: boolean;
}

export interface Write {
  kind: WriteKind;
  path: string;
  /** The JSON text sent, byte for byte (a retry must send the same request); none for start and review. */
  body: string | undefined;
  idempotencyKey: string;
  /** Unique text stored with the write: measurements' source, a check-in's note, a plan's goal, a close's outcome. */
  tag: string;
  /** Measurement rows the write adds. */
  rows: number;
  /** The measurement a void corrects, or the iteration a transition moves. */
  subject?: string;
  /** The 2xx that acknowledged it (first answer, or the answer to its retry after a restart). */
  answer?: Answer;
  worker: Worker;
}

export interface Worker {
  readonly name: string;
  next(): Write;
  /** The write was acknowledged: the worker moves on from what its answer says. */
  acknowledged(write: Write, body: unknown): void;
}

export interface Target {
  url: string;
  /** The bearer key every write is sent with. */
  key: string;
}

const REQUEST_TIMEOUT_MS = 20_000;
const RETRIES = 10;

/** An answer that asks the client to come back later: rate limited, overloaded, or the same key still running. */
const comeBackLater = (status: number, body: string) => status === 429 || status === 503 || (status === 409 && body.includes('"idempotency_key_in_use"'));

/**
 * Sends a write, and again with the same key, after its Retry-After (at most a second), while the
 * server answers "come back later" (a busy test machine may trip the overload guard). Rejects
 * when no complete answer arrives (connection refused or cut), or when `stopped()` turns true
 * before a retry.
 */
export async function send(target: Target, w: Write, stopped: () => boolean = () => false): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.key}`, 'idempotency-key': w.idempotencyKey };
  if (w.body !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${target.url}${w.path}`, { method: 'POST', headers, body: w.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = await res.text();
    if (attempt < RETRIES && comeBackLater(res.status, body)) {
      await sleep(Math.min(1000, Number(res.headers.get('retry-after') ?? 0) * 1000 || 100));
      if (stopped()) throw new Error('stopped before the retry');
      continue;
    }
    return { status: res.status, body, replayed: res.headers.get('idempotent-replayed') === 'true' };
  }
}

const ok = (a: Answer) => a.status >= 200 && a.status < 300;

export const describeWrite = (w: Write) => `${w.kind} ${w.tag} (POST ${w.path}, key ${w.idempotencyKey})`;

/** What the seed created, that the workers write to. */
export interface LoadTargets {
  metric: string;
  /** An iteration under construction for the whole run: measurements and check-ins land on it. */
  ledgerIteration: string;
  ledgerInitiative: string;
  /** Initiatives whose iterations the transition workers move along, each with its v1 planned. */
  lifecycles: Array<{ initiative: string; iteration: string }>;
}

/** Tags and keys unique within the run. */
class Tags {
  private seq = 0;
  constructor(private readonly prefix: string) {}
  next(worker: string): string {
    this.seq += 1;
    return `${this.prefix}-${worker}-${this.seq}`;
  }
}

const DAY_MS = 86_400_000;
const value = () => randomInt(0, 100_000) / 100;
/** Within the last 30 days, so the daily rollups get many days. */
const observedAt = () => new Date(Date.now() - randomInt(0, 30 * DAY_MS)).toISOString();

function write(worker: Worker, tags: Tags, kind: WriteKind, path: string, body: unknown, extra: Partial<Write> = {}): Write {
  const tag = extra.tag ?? tags.next(worker.name);
  return {
    kind,
    path,
    body: body === undefined ? undefined : JSON.stringify(typeof body === 'function' ? (body as (t: string) => unknown)(tag) : body),
    idempotencyKey: randomUUID(),
    tag,
    rows: 0,
    worker,
    ...extra,
  };
}

/** Single measurements, now and then a void of one it recorded. */
function measurementWorker(name: string, t: LoadTargets, tags: Tags): Worker {
  const live: string[] = [];
  const worker: Worker = {
    name,
    next() {
      const victim = live.length > 3 && randomInt(0, 8) === 0 ? live.splice(randomInt(0, live.length), 1)[0] : undefined;
      if (victim) return write(worker, tags, 'void', `/v1/measurements/${victim}/void`, (tag: string) => ({ reason: tag }), { subject: victim });
      // By initiative (lands on the running iteration, now) or by iteration at a past instant.
      const row = (tag: string) =>
        randomInt(0, 2) === 0
          ? { metric: t.metric, initiative: t.ledgerInitiative, value: value(), source: tag }
          : { metric: t.metric, iteration: t.ledgerIteration, value: value(), observed_at: observedAt(), source: tag };
      return write(worker, tags, 'measurement', '/v1/measurements', row, { rows: 1 });
    },
    acknowledged(w, body) {
      if (w.kind === 'measurement') live.push((body as { id: string }).id);
    },
  };
  return worker;
}

/** JSON batches of 5 to 40 rows; one in three also corrects a row of an earlier batch (supersedes). */
function batchWorker(name: string, t: LoadTargets, tags: Tags): Worker {
  const live: string[] = [];
  const worker: Worker = {
    name,
    next() {
      const n = randomInt(5, 41);
      const corrected = live.length > 0 && randomInt(0, 3) === 0 ? live.splice(randomInt(0, live.length), 1)[0] : undefined;
      const rows = (tag: string) =>
        Array.from({ length: n }, (_, i) => ({
          metric: t.metric,
          iteration: t.ledgerIteration,
          value: value(),
          observed_at: observedAt(),
          source: tag,
          note: `row ${i}`,
          ...(i === 0 && corrected ? { supersedes: corrected } : {}),
        }));
      return write(worker, tags, 'batch', '/v1/measurements', rows, { rows: n, subject: corrected });
    },
    acknowledged(_w, body) {
      for (const r of (body as { data: Array<{ id: string }> }).data) live.push(r.id);
    },
  };
  return worker;
}

const HEALTHS = ['on_track', 'at_risk', 'off_track'] as const;

function checkInWorker(name: string, t: LoadTargets, tags: Tags): Worker {
  const worker: Worker = {
    name,
    next: () => write(worker, tags, 'check-in', `/v1/iterations/${t.ledgerIteration}/check-ins`, (tag: string) => ({ health: HEALTHS[randomInt(0, 3)], note: tag })),
    acknowledged: () => undefined,
  };
  return worker;
}

/**
 * Moves one initiative's iterations round the lifecycle: start, a check-in, review, close
 * (persevere), plan the next version (which carries the open hypothesis over), and again.
 */
function lifecycleWorker(name: string, lifecycle: { initiative: string; iteration: string }, tags: Tags): Worker {
  let iteration = lifecycle.iteration;
  let status = 'planned';
  let checkedIn = false;
  const worker: Worker = {
    name,
    next() {
      const at = `/v1/iterations/${iteration}`;
      switch (status) {
        case 'planned':
          return write(worker, tags, 'start', `${at}/start`, undefined, { subject: iteration });
        case 'under_construction':
          if (!checkedIn) return write(worker, tags, 'check-in', `${at}/check-ins`, (tag: string) => ({ health: 'on_track', note: tag }), { subject: iteration });
          return write(worker, tags, 'review', `${at}/review`, undefined, { subject: iteration });
        case 'in_review':
          return write(worker, tags, 'close', `${at}/close`, (tag: string) => ({ decision: 'persevere', outcome: tag }), { subject: iteration });
        default:
          return write(worker, tags, 'plan', `/v1/initiatives/${lifecycle.initiative}/iterations`, (tag: string) => ({ goal: tag }));
      }
    },
    acknowledged(w, body) {
      if (w.kind === 'check-in') {
        checkedIn = true;
        return;
      }
      const it = body as { id: string; status: string };
      if (w.kind === 'plan') {
        iteration = it.id;
        checkedIn = false;
      }
      status = it.status;
    },
  };
  return worker;
}

/** The mix of clients: two logging single values, one sending batches, one checking in, two moving iterations. */
export function makeWorkers(t: LoadTargets, runTag: string): Worker[] {
  const tags = new Tags(runTag);
  return [
    measurementWorker('m1', t, tags),
    measurementWorker('m2', t, tags),
    batchWorker('b1', t, tags),
    checkInWorker('c1', t, tags),
    ...t.lifecycles.map((l, i) => lifecycleWorker(`l${i + 1}`, l, tags)),
  ];
}

/** Share of acknowledged writes sent again at once with the same key: each must be answered by a replay. */
const REPLAY_SHARE = 0.1;

/**
 * Runs the workers concurrently until `stop()` or until the server stops answering. Each worker
 * sends one write at a time and goes on only from an acknowledged answer, so that at most one of
 * its writes is ever unanswered.
 */
export class WriteLoad {
  /** Every write sent, in order. */
  readonly writes: Write[] = [];
  /** What a client would not expect: an error answer, a replay that differs from the first answer. */
  readonly failures: string[] = [];
  /** Acknowledged writes sent again during the load, each answered by an identical replay. */
  replays = 0;
  private stopped = false;

  constructor(readonly workers: Worker[]) {}

  stop(): void {
    this.stopped = true;
  }

  /** Resolves, once every worker stopped, with the writes left without an answer. */
  async run(target: Target): Promise<Write[]> {
    this.stopped = false;
    const unanswered = await Promise.all(this.workers.map((w) => this.drive(w, target)));
    return unanswered.filter((w): w is Write => w !== undefined);
  }

  private async drive(worker: Worker, target: Target): Promise<Write | undefined> {
    while (!this.stopped) {
      const w = worker.next();
      this.writes.push(w);
      let answer: Answer;
      try {
        answer = await send(target, w, () => this.stopped);
      } catch {
        return w;
      }
      if (!this.accept(w, answer)) return undefined;
      if (Math.random() < REPLAY_SHARE) {
        try {
          this.checkReplay(w, await send(target, w, () => this.stopped));
        } catch {
          // The server died meanwhile: the write itself was acknowledged already.
        }
      }
    }
    return undefined;
  }

  /** Records an answer; true when it acknowledged the write (the worker then moves on). */
  accept(w: Write, answer: Answer): boolean {
    if (!ok(answer)) {
      this.failures.push(`${describeWrite(w)} was answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      return false;
    }
    w.answer = answer;
    w.worker.acknowledged(w, JSON.parse(answer.body));
    return true;
  }

  /** A second answer to an acknowledged write must be its replay, identical to the first. */
  checkReplay(w: Write, again: Answer): void {
    this.replays += 1;
    if (!again.replayed || again.status !== w.answer?.status || again.body !== w.answer.body) {
      this.failures.push(
        `${describeWrite(w)}: sent again, it was answered ${again.status} (replayed: ${again.replayed}) instead of a replay of its ${w.answer?.status}: ${again.body.slice(0, 200)}`,
      );
    }
  }
}
