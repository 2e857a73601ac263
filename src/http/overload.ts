import type { FastifyInstance } from 'fastify';
import underPressure from '@fastify/under-pressure';
import { ApiError } from './problems';

const RETRY_AFTER_SECONDS = 10;

/**
 * While the event loop lags by more than PRESSURE_MAX_EVENT_LOOP_DELAY_MS (its mean over the last
 * PRESSURE_SAMPLE_INTERVAL_MS, sampled by @fastify/under-pressure), requests get a 503 `overloaded`
 * problem with Retry-After instead of queueing behind the backlog. Public routes still answer: a liveness
 * probe failing under load would get a busy server restarted, which only adds to the load.
 */
export async function registerOverload(app: FastifyInstance): Promise<void> {
  const { PRESSURE_MAX_EVENT_LOOP_DELAY_MS: maxEventLoopDelay, PRESSURE_SAMPLE_INTERVAL_MS: sampleInterval } = app.config;
  if (maxEventLoopDelay === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay,
    sampleInterval,
    // Called only while under pressure; resolving lets the request through, rejecting refuses it.
    pressureHandler: (request, reply) => {
      if (request.routeOptions.config.access === 'public') return;
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return Promise.reject(
        new ApiError('overloaded', `The server is overloaded and turns requests away until it catches up; retry in ${RETRY_AFTER_SECONDS} seconds.`),
      );
    },
  });
}
