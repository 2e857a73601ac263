import type { FastifyInstance, RouteOptions, preValidationHookHandler } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import { ApiError } from './problems';

/**
 * Each API key may make RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS (@fastify/rate-limit,
 * its in-memory store); beyond, a 429 `rate_limited` problem with Retry-After. Every limited
 * response carries x-ratelimit-limit, -remaining and -reset (seconds until the window restarts).
 * Public routes (probes, the OpenAPI document, /docs) are not limited, and a request without a
 * valid key never gets here: authentication refuses it first.
 *
 * The limiter runs as each route's first preValidation hook rather than the plugin's default
 * onRequest: the counter is named by the key's id, which is known only once registerAuth's
 * onRequest hook has set `request.actor`; and it runs before validation and the handler, so a
 * refused request costs neither. The routes are wired here (`global: false`) so that whether a
 * route is limited follows from its declared access, public or not.
 */
export async function registerRateLimit(app: FastifyInstance): Promise<void> {
  const { RATE_LIMIT_MAX: max, RATE_LIMIT_WINDOW_MS: timeWindow } = app.config;
  if (max === 0) return;
  await app.register(fastifyRateLimit, {
    global: false,
    max,
    timeWindow,
    // Only authenticated routes are wired below, so the actor is always there; the IP is a fallback.
    keyGenerator: (request) => request.actor?.keyId ?? request.ip,
    // Thrown by the plugin after it set the headers; the error handler renders it like any problem.
    errorResponseBuilder: (_request, context) =>
      new ApiError('rate_limited', `This API key made more than ${context.max} requests within ${windowText(timeWindow)}; retry in ${context.after}.`),
  });
  const limit = app.rateLimit() as preValidationHookHandler;
  app.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.access;
    if (access === undefined || access === 'public') return;
    route.preValidation = [limit, ...([] as preValidationHookHandler[]).concat(route.preValidation ?? [])];
  });
}

function windowText(ms: number): string {
  if (ms % 60_000 === 0) return ms === 60_000 ? 'a minute' : `${ms / 60_000} minutes`;
  return ms % 1000 === 0 ? `${ms / 1000} seconds` : `${ms} ms`;
}
