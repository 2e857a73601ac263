import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teamSchemas } from '../../src/modules/teams/teams.module';
import { CheckInSchema } from '../../src/modules/check-ins/check-ins.schemas';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { ensureAdminKey } from '../../src/modules/api-keys/api-keys.bootstrap';
import { ADMIN_KEY, makeApp, type TestApp } from '../helpers/app';
import { TestClock } from '../helpers/clock';
import { createInitiative, createIteration, createKey, createMetric, transitionIteration, uniqueKey } from '../helpers/factories';
import { errorPaths, expectProblem } from '../helpers/problems';
import { allowUndocumentedStatus } from '../contract/recorder';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp();
});
afterAll(() => t.close());

const count = (table: string): number => (t.db.$client.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
const storedRows = () => t.db.$client.prepare('SELECT * FROM idempotency_keys').all() as Record<string, unknown>[];
const teamBody = (key = uniqueKey('team')) => ({ key, name: `Name of ${key}`, description: '' });

const postTeam = (payload: unknown, idempotencyKey?: string, key?: string) =>
  t.call({ method: 'POST', url: '/v1/teams', payload: payload as object, key, headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey } });

describe('Idempotency-Key on POST', () => {
  it('replays the first response to a retry of the same request, and writes nothing more', async () => {
    const body = teamBody();
    const key = uniqueKey('idem');
    const first = await postTeam(body, key);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const team = teamSchemas.Entity.parse(first.json());
    const [teams, activity, stored] = [count('teams'), count('activity'), count('idempotency_keys')];

    for (let i = 0; i < 2; i++) {
      const again = await postTeam(body, key);
      expect(again.statusCode).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toBe(first.body);
      expect(again.json()).toEqual(team);
      expect(again.headers.location).toBe(`/v1/teams/${team.id}`);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(again.headers['content-type']).toBe(first.headers['content-type']);
      expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    }
    expect([count('teams'), count('activity'), count('idempotency_keys')]).toEqual([teams, activity, stored]);
  });

  it('refuses the same key with a different body or path (422) and writes nothing', async () => {
    const key = uniqueKey('idem');
    expect((await postTeam(teamBody(), key)).statusCode).toBe(201);
    const [teams, activity] = [count('teams'), count('activity')];

    const problem = expectProblem(await postTeam(teamBody(), key), 422, 'idempotency_key_reused');
    expect(problem.detail).toMatch(/new key/);
    const otherPath = await t.call({ method: 'POST', url: '/v1/themes', payload: teamBody(), headers: { 'idempotency-key': key } });
    expectProblem(otherPath, 422, 'idempotency_key_reused');
    expect([count('teams'), count('activity')]).toEqual([teams, activity]);
  });

  it('checks a reused key before anything else on every kind of POST: a create, an action, a correction', async () => {
    const key = uniqueKey('idem');
    expect((await postTeam(teamBody(), key)).statusCode).toBe(201);
    const again = (url: string, payload?: object) => t.call({ method: 'POST', url, headers: { 'idempotency-key': key }, ...(payload ? { payload } : {}) });
    const metric = { key: uniqueKey('met'), name: 'Win rate', unit: 'ratio', direction: 'increase', aggregation: 'latest' };
    expectProblem(await again('/v1/metrics', metric), 422, 'idempotency_key_reused');
    // The objects named do not exist: the key is refused before they are looked up.
    expectProblem(await again('/v1/iterations/itr_missing/carry-over'), 422, 'idempotency_key_reused');
    expectProblem(await again('/v1/measurements/msr_missing/void', { reason: 'Duplicate row' }), 422, 'idempotency_key_reused');
    expect((await t.call({ method: 'GET', url: `/v1/metrics/${metric.key}` })).statusCode).toBe(404);
  });

  it('keeps the keys of different API keys apart', async () => {
    const other = await createKey(t, 'admin');
    const key = uniqueKey('idem');
    const mine = await postTeam(teamBody(), key);
    const theirs = await postTeam(teamBody(), key, other.secret);
    expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect(storedRows().filter((r) => r.key === key).map((r) => r.api_key_id)).toHaveLength(2);
  });

  it('does not store an error: the change rolled back, and a retry runs again', async () => {
    const initiative = await createInitiative(t);
    const iteration = await createIteration(t, initiative.id);
    const key = uniqueKey('idem');
    const checkIn = () =>
      t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/check-ins`, payload: { health: 'on_track' }, headers: { 'idempotency-key': key } });

    // Planned, not started: a 409 from inside the service's transaction.
    expectProblem(await checkIn(), 409, 'invalid_transition');
    expect(storedRows().filter((r) => r.key === key)).toEqual([]);
    expect(count('check_ins')).toBe(0);

    await transitionIteration(t, iteration.id, 'start');
    const created = await checkIn();
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['idempotent-replayed']).toBeUndefined();
    const replay = await checkIn();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(CheckInSchema.parse(replay.json())).toEqual(created.json());
    expect(replay.headers.location).toBe(created.headers.location);
    expect(count('check_ins')).toBe(1);
  });

  it('leaves no row for a POST that fails with a conflict', async () => {
    const body = teamBody();
    expect((await postTeam(body)).statusCode).toBe(201);
    const key = uniqueKey('idem');
    expectProblem(await postTeam(body, key), 409, 'conflict');
    expect(storedRows().filter((r) => r.key === key)).toEqual([]);
  });

  it('rolls the change back when its response cannot be stored, and answers a problem, not a 2xx', async () => {
    allowUndocumentedStatus(500); // the failure is injected; no operation documents an internal error
    const fresh = await makeApp();
    try {
      fresh.db.$client.exec(`CREATE TEMP TRIGGER fail_store BEFORE INSERT ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
      const before = (fresh.db.$client.prepare('SELECT count(*) AS n FROM teams').get() as { n: number }).n;
      const res = await fresh.call({ method: 'POST', url: '/v1/teams', payload: teamBody(), headers: { 'idempotency-key': 'k1' } });
      expectProblem(res, 500, 'internal_error');
      expect(res.headers.location).toBeUndefined();
      expect(res.headers.etag).toBeUndefined();
      expect((fresh.db.$client.prepare('SELECT count(*) AS n FROM teams').get() as { n: number }).n).toBe(before);
      expect(fresh.db.$client.inTransaction).toBe(false);
      // Without the header nothing changes.
      expect((await fresh.call({ method: 'POST', url: '/v1/teams', payload: teamBody() })).statusCode).toBe(201);
    } finally {
      await fresh.close();
    }
  });

  it('replays for 24 hours, then runs the request again, and purges expired rows', async () => {
    const fresh = await makeApp();
    try {
      const rows = () => fresh.db.$client.prepare('SELECT key, created_at, expires_at FROM idempotency_keys ORDER BY key').all();
      const post = (payload: unknown, k: string) => fresh.call({ method: 'POST', url: '/v1/teams', payload: payload as object, headers: { 'idempotency-key': k } });
      const body = teamBody();
      const first = await post(body, 'a');
      expect(first.statusCode).toBe(201);
      expect((await post(teamBody(), 'b')).statusCode).toBe(201);
      expect(rows()).toEqual([
        { key: 'a', created_at: '2026-01-05T09:00:00.000Z', expires_at: '2026-01-06T09:00:00.000Z' },
        { key: 'b', created_at: '2026-01-05T09:00:00.000Z', expires_at: '2026-01-06T09:00:00.000Z' },
      ]);

      fresh.clock.set('2026-01-06T08:59:59.999Z');
      expect((await post(body, 'a')).headers['idempotent-replayed']).toBe('true');

      fresh.clock.set('2026-01-06T09:00:00.000Z');
      const after = await post(body, 'a');
      // The request ran again: the team it names exists already.
      expectProblem(after, 409, 'conflict');
      expect(after.headers['idempotent-replayed']).toBeUndefined();

      const next = await post(teamBody(), 'a');
      expect(next.statusCode).toBe(201);
      expect(next.headers['idempotent-replayed']).toBeUndefined();
      // Storing it replaced the expired 'a' and purged the expired 'b'.
      expect(rows()).toEqual([{ key: 'a', created_at: '2026-01-06T09:00:00.000Z', expires_at: '2026-01-07T09:00:00.000Z' }]);
    } finally {
      await fresh.close();
    }
  });

  it('refuses a header that is not 1 to 255 printable ASCII characters (400), on POST only', async () => {
    for (const bad of ['', 'x'.repeat(256), 'tab\there', 'caf\u00e9']) {
      const problem = expectProblem(await postTeam(teamBody(), bad), 400, 'validation_failed');
      expect(errorPaths(problem)).toEqual(['headers.idempotency-key']);
    }
    expect((await postTeam(teamBody(), 'x'.repeat(255))).statusCode).toBe(201);
    expect((await postTeam(teamBody(), ' !"#$%&()*+,-./:;<=>?@[\\]^_`{|}~')).statusCode).toBe(201);
    const read = await t.call({ method: 'GET', url: '/v1/teams', headers: { 'idempotency-key': '' } });
    expect(read.statusCode).toBe(200);
  });

  it('applies a CSV measurement batch once, however often it is retried', async () => {
    const metric = await createMetric(t, { key: uniqueKey('m').replaceAll('-', '_'), unit: 'ratio', aggregation: 'latest' });
    const initiative = await createInitiative(t);
    const iteration = await createIteration(t, initiative.id);
    await transitionIteration(t, iteration.id, 'start');
    const csv = `metric,initiative,value\n${metric.key},${initiative.key},0.2\n${metric.key},${initiative.key},0.3\n`;
    const send = (payload: string) =>
      t.call({ method: 'POST', url: '/v1/measurements', payload, headers: { 'content-type': 'text/csv', 'idempotency-key': 'batch-1' } });
    const first = await send(csv);
    expect(first.statusCode, first.body).toBe(201);
    const before = count('measurements');
    const again = await send(csv);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(count('measurements')).toBe(before);
    expectProblem(await send(csv.replace('0.3', '0.4')), 422, 'idempotency_key_reused');
  });

  // Found by the fuzzer: the batch route validates rows in its service, so a deep body reached the
  // request fingerprint, whose JSON.stringify overflowed the stack (500).
  it('refuses a measurement batch nested 10,000 levels deep (400), as JSON or NDJSON, instead of failing', async () => {
    const deep = `${'['.repeat(10_000)}1${']'.repeat(10_000)}`;
    for (const [type, payload] of [['application/json', deep], ['application/x-ndjson', `{"metric":"m","value":${deep}}`]]) {
      const res = await t.call({ method: 'POST', url: '/v1/measurements', payload, headers: { 'content-type': type, 'idempotency-key': uniqueKey('deep') } });
      expect(expectProblem(res, 400, 'malformed_request').detail).toContain('32 levels');
    }
  });

  it('never stores the one-time secret of a new API key; a replay omits it', async () => {
    const key = uniqueKey('idem');
    const payload = { name: 'crm-sync', role: 'viewer' };
    const first = await t.call({ method: 'POST', url: '/v1/api-keys', payload, headers: { 'idempotency-key': key } });
    expect(first.statusCode).toBe(201);
    const { secret, ...rest } = first.json();
    expect(secret).toMatch(/^rw_/);

    const dump = JSON.stringify(storedRows());
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain('secret"');

    const replay = await t.call({ method: 'POST', url: '/v1/api-keys', payload, headers: { 'idempotency-key': key } });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['cache-control']).toBe('no-store');
    expect(replay.headers.location).toBe(first.headers.location);
    expect(replay.json()).toEqual(rest);
    expect(replay.body).not.toContain(secret);
    expect((t.db.$client.prepare('SELECT count(*) AS n FROM api_keys WHERE name = ?').get('crm-sync') as { n: number }).n).toBe(1);
  });
});

describe('a POST route that does not answer synchronously', () => {
  it('fails loudly (500) under an Idempotency-Key instead of answering outside its transaction', async () => {
    const config = loadConfig({ DATABASE_PATH: ':memory:', ADMIN_API_KEY: ADMIN_KEY });
    const clock = new TestClock();
    const db = openDatabase({ path: config.DATABASE_PATH });
    ensureAdminKey(db, clock, config.ADMIN_API_KEY);
    const app = await buildApp({ config, db, logger: createLogger('silent'), clock });
    app.post('/v1/late', { config: { access: 'admin' } }, async (_request, reply) => {
      await new Promise((resolve) => setImmediate(resolve));
      return reply.code(201).send({ done: true });
    });
    try {
      const call = (headers: Record<string, string>) =>
        app.inject({ method: 'POST', url: '/v1/late', headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers } });
      expect((await call({})).statusCode).toBe(201);
      const res = await call({ 'idempotency-key': 'late-1' });
      expectProblem(res, 500, 'internal_error');
      expect(db.$client.inTransaction).toBe(false);
      expect(db.$client.prepare('SELECT count(*) AS n FROM idempotency_keys').get()).toEqual({ n: 0 });
    } finally {
      await app.close();
      db.$client.close();
    }
  });
});

interface Raw {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describe('Idempotency-Key over a real socket', () => {
  let s: TestApp;
  let port: number;
  beforeAll(async () => {
    s = await makeApp();
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    port = (s.app.server.address() as AddressInfo).port;
  });
  afterAll(() => s.close());

  const headersFor = (idempotencyKey: string) => ({
    authorization: `Bearer ${s.adminKey}`,
    'content-type': 'application/json',
    'idempotency-key': idempotencyKey,
  });

  async function post(body: unknown, idempotencyKey: string): Promise<Raw> {
    const res = await fetch(`http://127.0.0.1:${port}/v1/teams`, { method: 'POST', headers: headersFor(idempotencyKey), body: JSON.stringify(body) });
    return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
  }

  /** Opens a connection and sends the headers and the first half of a POST /v1/teams; `finish` sends the rest. */
  async function startUpload(body: unknown, idempotencyKey: string) {
    const text = JSON.stringify(body);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.setEncoding('utf8').on('data', (c: string) => (received += c));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const head = Object.entries({ ...headersFor(idempotencyKey), host: 'localhost', 'content-length': String(Buffer.byteLength(text)), connection: 'close' })
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const half = Math.floor(text.length / 2);
    socket.write(`POST /v1/teams HTTP/1.1\r\n${head}\r\n${text.slice(0, half)}`);
    // The server routes the request (and runs onRequest) as soon as the headers arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return {
      socket,
      async finish(): Promise<Raw> {
        socket.write(text.slice(half));
        await closed;
        const [rawHead = '', rawBody = ''] = received.split('\r\n\r\n');
        const [statusLine = '', ...lines] = rawHead.split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        return { status: Number(statusLine.split(' ')[1]), headers, body: rawBody };
      },
    };
  }

  it('replays the same request and refuses a different one', async () => {
    const body = teamBody();
    const first = await post(body, 'socket-1');
    expect(first.status).toBe(201);
    const again = await post(body, 'socket-1');
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers.etag).toBe(first.headers.etag);
    const other = await post(teamBody(), 'socket-1');
    expect(other.status).toBe(422);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('answers 409 to a retry while the first is still uploading, then replays it once done', async () => {
    const body = teamBody();
    const upload = await startUpload(body, 'socket-2');
    const during = await post(body, 'socket-2');
    expect(during.status).toBe(409);
    expect(during.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(during.body)).toMatchObject({ code: 'idempotency_key_in_use', status: 409 });
    expect(during.headers['retry-after']).toBe('1');

    const first = await upload.finish();
    expect(first.status, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    const retry = await post(body, 'socket-2');
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect(retry.headers.location).toBe(first.headers.location);
  });

  it('frees the key when the client gives up mid-upload', async () => {
    const body = teamBody();
    const upload = await startUpload(body, 'socket-3');
    upload.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const retry = await post(body, 'socket-3');
    expect(retry.status, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });
});
