import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config';
import type { Db } from './db/client';
import { systemClock, type Clock } from './lib/clock';
import './http/types';
import { registerAuth } from './http/auth';
import { registerTabular, rewriteCsvSuffix } from './http/tabular';
import { registerContentTypes } from './http/content-types';
import { registerDraining } from './http/draining';
import { clientErrorHandler, frameworkErrorHandler, registerErrorHandling } from './http/error-handler';
import { registerOpenApi } from './http/openapi';
import { responseSerializerCompiler } from './http/serializer';
import { registerStrictQuery } from './http/strict-query';
import { registerIdempotency } from './http/idempotency';
import { registerDurableResponses } from './http/durable-responses';
import { registerSecurityHeaders } from './http/security-headers';
import { registerCors } from './http/cors';
import { registerOverload } from './http/overload';
import { registerRateLimit } from './http/rate-limit';
import { healthRoutes } from './modules/health/health.routes';
import { apiKeyRoutes } from './modules/api-keys/api-keys.routes';
import { activityRoutes } from './modules/activity/activity.routes';
import { teamRoutes } from './modules/teams/teams.module';
import { themeRoutes } from './modules/themes/themes.module';
import { initiativeRoutes } from './modules/initiatives/initiatives.routes';
import { iterationRoutes } from './modules/iterations/iterations.routes';
import { IterationItemKinds } from './modules/iterations/iteration-items';
import { measurementRoutes } from './modules/measurements/measurements.routes';
import { checkInRoutes } from './modules/check-ins/check-ins.routes';
import { hypothesisModule } from './modules/hypotheses/hypotheses.routes';
import { metricRoutes } from './modules/metrics/metrics.routes';
import { trackedMetricsModule } from './modules/tracked-metrics/tracked-metrics.module';
import { policyRoutes } from './modules/policy/policy.routes';
import { retrospectivesModule } from './modules/retrospectives/retrospectives.routes';
import { actionItemsModule } from './modules/action-items/action-items.module';
import { progressRoutes } from './modules/progress/progress.routes';
import { dashboardRoutes } from './modules/dashboard/dashboard.routes';
import { metricSeriesRoutes } from './modules/metric-series/metric-series.routes';
import { learningsRoutes } from './modules/learnings/learnings.routes';
import { exportRoutes } from './modules/exports/exports.routes';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: FastifyBaseLogger;
  clock?: Clock;
  /** Check every response against its zod schema as well (tests); see responseSerializerCompiler. */
  verifyResponses?: boolean;
}

/** Builds the whole API. The caller owns the database and the logger (and closes them). */
export async function buildApp({ config, db, logger, clock = systemClock, verifyResponses = false }: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    genReqId: () => randomUUID(),
    // One log line per request, written when it completes (the onResponse hook below), instead of two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    return503OnClosing: false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    rewriteUrl: rewriteCsvSuffix,
  });

  app.decorate('db', db);
  app.decorate('clock', clock);
  app.decorate('config', config);
  app.decorate('iterationItems', new IterationItemKinds());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler({ verify: verifyResponses }));
  // Hooks take a callback rather than returning a promise: each async hook costs the hot path a
  // promise and a microtask turn, measurable at the request rates bench/ aims for.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ req: request, res: reply, response_time_ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request completed');
    done();
  });

  // Secure headers first, so that every response has them; CORS and the overload check before
  // authentication (a preflight carries no key, a 401 needs CORS headers to reach a page, and an
  // overloaded server should not look keys up); the rate limit after it, keyed by the caller's key.
  await registerSecurityHeaders(app);
  registerDraining(app);
  registerErrorHandling(app);
  await registerCors(app);
  await registerOverload(app);
  registerContentTypes(app);
  registerTabular(app);
  registerAuth(app);
  await registerRateLimit(app);
  registerIdempotency(app);
  registerDurableResponses(app);
  registerStrictQuery(app);
  await registerOpenApi(app);

  // The whole API, one line per module.
  await app.register(healthRoutes);
  await app.register(apiKeyRoutes, { prefix: '/v1' });
  await app.register(teamRoutes, { prefix: '/v1' });
  await app.register(themeRoutes, { prefix: '/v1' });
  await app.register(initiativeRoutes, { prefix: '/v1' });
  await app.register(iterationRoutes, { prefix: '/v1' });
  await app.register(checkInRoutes, { prefix: '/v1' });
  await app.register(hypothesisModule, { prefix: '/v1' });
  await app.register(metricRoutes, { prefix: '/v1' });
  await app.register(trackedMetricsModule, { prefix: '/v1' });
  await app.register(retrospectivesModule, { prefix: '/v1' });
  await app.register(actionItemsModule, { prefix: '/v1' });
  await app.register(measurementRoutes, { prefix: '/v1' });
  await app.register(policyRoutes, { prefix: '/v1' });
  await app.register(activityRoutes, { prefix: '/v1' });
  await app.register(progressRoutes, { prefix: '/v1' });
  await app.register(dashboardRoutes, { prefix: '/v1' });
  await app.register(metricSeriesRoutes, { prefix: '/v1' });
  await app.register(learningsRoutes, { prefix: '/v1' });
  await app.register(exportRoutes, { prefix: '/v1' });

  return app;
}
