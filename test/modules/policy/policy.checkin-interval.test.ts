import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../../helpers/app';
import { createStartedIteration, putPolicy } from '../../helpers/factories';
import { InitiativePage, InitiativeSchema } from '../../../src/modules/initiatives/initiatives.schemas';
import { IterationSchema } from '../../../src/modules/iterations/iterations.schemas';

let t: TestApp;
beforeAll(async () => {
  t = await makeApp({ CHECKIN_INTERVAL_DAYS: '7' });
});
afterAll(() => t.close());

describe('checkin_interval_days replaces CHECKIN_INTERVAL_DAYS', () => {
  it('a fractional interval makes an iteration stale after hours, everywhere it shows, and the read cache follows the policy', async () => {
    const { initiative, iteration } = await createStartedIteration(t);
    // Three ways a client sees stale: the iteration, the initiative (cached read) and a page of initiatives.
    const seen = async () => {
      const it = IterationSchema.parse((await t.call({ method: 'GET', url: `/v1/iterations/${iteration.id}` })).json());
      const ini = InitiativeSchema.parse((await t.call({ method: 'GET', url: `/v1/initiatives/${initiative.key}` })).json());
      const page = InitiativePage.parse((await t.call({ method: 'GET', url: `/v1/initiatives?team=${initiative.team.key}` })).json());
      return [it.stale, ini.current_iteration?.stale, page.data[0]?.current_iteration?.stale];
    };

    t.clock.advanceDays(0.4); // 9.6 hours since the start
    expect(await seen()).toEqual([false, false, false]);

    await putPolicy(t, { checkin_interval_days: 0.25 }); // six hours: overdue now
    expect(await seen()).toEqual([true, true, true]);

    await putPolicy(t, { checkin_interval_days: 0.5 }); // twelve hours: fresh again until 12h have passed
    expect(await seen()).toEqual([false, false, false]);
    t.clock.advanceDays(0.1); // 12 hours exactly: not yet longer than the interval
    expect(await seen()).toEqual([false, false, false]);
    t.clock.advanceDays(0.01);
    expect(await seen()).toEqual([true, true, true]);

    // A check-in resets the clock, under the policy's interval.
    const res = await t.call({ method: 'POST', url: `/v1/iterations/${iteration.id}/check-ins`, payload: { health: 'on_track' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(await seen()).toEqual([false, false, false]);
    t.clock.advanceDays(0.49);
    expect(await seen()).toEqual([false, false, false]);
    t.clock.advanceDays(0.02);
    expect(await seen()).toEqual([true, true, true]);

    // The setting is only the initial value: the stored policy wins over it.
    await putPolicy(t, {});
    expect((await t.call({ method: 'GET', url: '/v1/policy' })).json()).toMatchObject({ checkin_interval_days: 7 });
    expect(await seen()).toEqual([false, false, false]);
  });
});
