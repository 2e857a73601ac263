import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config';
import { makeApp, type TestApp } from '../helpers/app';
import { expectProblem } from '../helpers/problems';

/** A server whose event loop lags past PRESSURE_MAX_EVENT_LOOP_DELAY_MS answers 503 overloaded, probes excepted. */

let t: TestApp;
beforeAll(async () => {
  // A low threshold and a short sample, so that a test can lag the loop enough, briefly.
  t = await makeApp({ PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '20', PRESSURE_SAMPLE_INTERVAL_MS: '100' });
});
afterAll(() => t.close());

/** Keeps the event loop busy, as a server falling behind its work would. */
function block(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

describe('overload', () => {
  it('answers 503 overloaded with Retry-After while the loop lags, but still answers the probes', async () => {
    const deadline = Date.now() + 10_000;
    let refused: LightMyRequestResponse | undefined;
    let probe: LightMyRequestResponse | undefined;
    while (!refused && Date.now() < deadline) {
      block(150);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const res = await t.call({ method: 'GET', url: '/v1/teams' });
      if (res.statusCode === 503) {
        refused = res;
        probe = await t.call({ method: 'GET', url: '/healthz', key: null });
      } else {
        expect(res.statusCode).toBe(200);
      }
    }
    expect(refused, 'no request was refused while the loop lagged').toBeDefined();
    const problem = expectProblem(refused!, 503, 'overloaded');
    expect(problem.detail).toMatch(/retry in \d+ seconds/);
    expect(Number(refused!.headers['retry-after'])).toBeGreaterThan(0);
    expect(probe?.statusCode).toBe(200);

    // Once the loop keeps up again, requests are served.
    let served = false;
    while (!served && Date.now() < deadline + 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      served = (await t.call({ method: 'GET', url: '/v1/teams' })).statusCode === 200;
    }
    expect(served).toBe(true);
  });

  it('is on by default at a mean lag of 1 s over 5 s, and off with 0', () => {
    expect(loadConfig({})).toMatchObject({ PRESSURE_MAX_EVENT_LOOP_DELAY_MS: 1000, PRESSURE_SAMPLE_INTERVAL_MS: 5000 });
    expect(loadConfig({ PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' }).PRESSURE_MAX_EVENT_LOOP_DELAY_MS).toBe(0);
  });

  it('registers no check with 0', async () => {
    const off = await makeApp({ PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' });
    try {
      expect(off.app.hasDecorator('isUnderPressure')).toBe(false);
      expect(t.app.hasDecorator('isUnderPressure')).toBe(true);
    } finally {
      await off.close();
    }
  });
});
