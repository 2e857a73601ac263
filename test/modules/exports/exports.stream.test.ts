import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeasurementExport } from '../../../src/modules/exports/exports.schemas';
import { EXPORT_CHUNK_ROWS } from '../../../src/modules/exports/measurements-export.service';
import { nextTurn, sendStreamed } from '../../../src/modules/exports/export-stream';
import { ADMIN_KEY, makeApp, type TestApp } from '../../helpers/app';
import { createMetric, createStartedIteration } from '../../helpers/factories';
import { parseCsv } from './exports.fixture';

/** Exports over a real socket: chunked, answered in turns with other requests, and stopped when the client goes away. */

interface Received {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** How many pieces the body arrived in. */
  pieces: number;
}

/** A GET over HTTP/1.1; `onFirstData` runs when the first piece of the body arrives. */
function fetchText(base: string, path: string, opts: { onFirstData?: (abort: () => void) => void } = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => {
        if (parts.length === 0) opts.onFirstData?.(() => req.destroy());
        parts.push(part);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8'), pieces: parts.length }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const ROWS = 20_000;

describe('the measurements export over a socket', () => {
  let t: TestApp;
  let base = '';
  let initiativeKey = '';
  let metricKey = '';

  beforeAll(async () => {
    t = await makeApp();
    const { initiative } = await createStartedIteration(t);
    const metric = await createMetric(t);
    initiativeKey = initiative.key;
    metricKey = metric.key;
    for (let batch = 0; batch < ROWS / 10_000; batch++) {
      const payload = Array.from({ length: 10_000 }, (_, i) => ({ metric: metric.key, initiative: initiative.key, value: batch * 10_000 + i }));
      const res = await t.call({ method: 'POST', url: '/v1/measurements', payload });
      expect(res.statusCode, res.body.slice(0, 500)).toBe(201);
    }
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  it(`streams ${ROWS.toLocaleString('en-US')} rows (${ROWS / EXPORT_CHUNK_ROWS} windows) as chunked JSON and CSV, the same rows in id order`, async () => {
    const json = await fetchText(base, '/v1/exports/measurements');
    expect(json.status).toBe(200);
    expect(json.headers['transfer-encoding']).toBe('chunked');
    expect(json.headers['content-length']).toBeUndefined();
    expect(json.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(json.pieces).toBeGreaterThan(ROWS / EXPORT_CHUNK_ROWS);
    const rows = MeasurementExport.parse(JSON.parse(json.body));
    expect(rows.map((r) => r.value)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    const ids = rows.map((r) => r.measurement_id);
    expect([...ids].sort()).toEqual(ids);

    const csv = await fetchText(base, '/v1/exports/measurements.csv');
    expect(csv.status).toBe(200);
    const [header, ...lines] = parseCsv(csv.body);
    const at = (name: string) => header!.indexOf(name);
    expect(lines.map((l) => [l[at('measurement_id')], Number(l[at('value')])])).toEqual(rows.map((r) => [r.measurement_id, r.value]));
  });

  it('answers other requests while an export streams, and a write made meanwhile shows at most once', async () => {
    const events: string[] = [];
    let recorded = '';
    const exported = fetchText(base, '/v1/exports/measurements', {
      onFirstData: () => {
        events.push('export started');
        void fetchText(base, '/v1/teams').then((res) => events.push(`teams ${res.status}`));
        const payload = JSON.stringify({ metric: metricKey, initiative: initiativeKey, value: -1 });
        const post = httpRequest(`${base}/v1/measurements`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            recorded = (JSON.parse(text) as { id: string }).id;
            events.push(`write ${res.statusCode}`);
          });
        });
        post.end(payload);
      },
    });
    const res = await exported;
    events.push('export ended');
    expect(events.slice(0, 1)).toEqual(['export started']);
    expect(events.slice(1, 3).sort()).toEqual(['teams 200', 'write 201']);
    expect(events[3]).toBe('export ended');

    const ids = MeasurementExport.parse(JSON.parse(res.body)).map((r) => r.measurement_id);
    expect(new Set(ids).size).toBe(ids.length);
    // Logged during the export, with an id past the windows read so far: in it at most once
    // (in practice once, unless the last window was read before the write committed).
    expect(ids.filter((id) => id === recorded).length).toBeLessThanOrEqual(1);
    expect(ids.length - ids.filter((id) => id === recorded).length).toBe(ROWS);
  });

  it('stops when the client goes away, and goes on serving', async () => {
    const cut = fetchText(base, '/v1/exports/measurements.csv', { onFirstData: (abort) => abort() });
    await expect(cut).rejects.toThrow();
    const after = await fetchText(base, '/v1/exports/measurements?metric=' + metricKey + '&from=2000-01-01T00:00:00Z');
    expect(after.status).toBe(200);
    expect(MeasurementExport.parse(JSON.parse(after.body)).length).toBeGreaterThanOrEqual(ROWS);
  });
});

describe('sendStreamed', () => {
  const CHUNKS = 2000;
  const PIECE = 'x'.repeat(64 * 1024);
  const produced = { count: 0, finished: false, stoppedEarly: false };
  const app = Fastify();
  let base = '';

  beforeAll(async () => {
    app.get('/stream', (request, reply) =>
      sendStreamed(request, reply, {
        format: 'csv',
        tagged: 'one',
        filename: 'x.csv',
        chunks: async function* (stop) {
          produced.count = 0;
          produced.finished = false;
          try {
            for (let i = 0; i < CHUNKS; i++) {
              await nextTurn();
              if (stop.stopped) {
                produced.stoppedEarly = true;
                return;
              }
              produced.count++;
              yield PIECE;
            }
          } finally {
            produced.finished = true;
          }
        },
      }),
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('reads only as fast as the client does (backpressure), and everything in the end', async () => {
    const body = await new Promise<number>((resolve, reject) => {
      httpRequest(`${base}/stream`, (res) => {
        let bytes = 0;
        res.once('data', (first: Buffer) => {
          bytes += first.length;
          res.pause();
          // 128 MB would be produced without backpressure; the socket buffers hold a few MB at most.
          setTimeout(() => {
            expect(produced.count).toBeLessThan(CHUNKS / 4);
            res.on('data', (d: Buffer) => (bytes += d.length));
            res.resume();
          }, 300);
        });
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(body).toBe(CHUNKS * PIECE.length);
    expect(produced).toMatchObject({ count: CHUNKS, finished: true });
  });

  it('stops producing when the client disconnects', async () => {
    produced.stoppedEarly = false;
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/stream`, (res) => res.once('data', () => (req.destroy(), resolve())));
      req.on('error', () => resolve());
      req.end();
    });
    await until(() => produced.finished);
    expect(produced.finished).toBe(true);
    expect(produced.count).toBeLessThan(CHUNKS / 4);
  });

  it('answers HEAD and a matching If-None-Match (304) without producing anything', async () => {
    produced.count = -1;
    const head = await new Promise<IncomingHttpHeaders>((resolve) =>
      httpRequest(`${base}/stream`, { method: 'HEAD' }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.headers));
      }).end(),
    );
    expect(head.etag).toMatch(/^"[\w-]+"$/);
    expect(head['content-type']).toMatch(/^text\/csv/);
    const res = await new Promise<number>((resolve) =>
      httpRequest(`${base}/stream`, { headers: { 'if-none-match': String(head.etag) } }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      }).end(),
    );
    expect(res).toBe(304);
    expect(produced.count).toBe(-1);
  });
});
