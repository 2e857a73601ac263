import type { FastifyInstance } from 'fastify';
import fastifyCors from '@fastify/cors';

/** The response headers a browser page may read: the ones this API gives meaning to. */
export const CORS_EXPOSED_HEADERS = [
  'ETag',
  'Link',
  'Location',
  'Content-Disposition',
  'X-Request-Id',
  'Retry-After',
  'Idempotent-Replayed',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];

/** The request headers clients send. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'If-Match', 'If-None-Match', 'Idempotency-Key'];

/**
 * Browser pages served from CORS_ORIGINS may call the API (@fastify/cors); without the setting
 * nothing is added and browsers keep to same-origin calls. Keys travel in the Authorization
 * header, never in cookies, so credentials are not allowed. A preflight (OPTIONS on any path) is
 * answered 204 in the plugin's onRequest hook, before authentication, as browsers send it without
 * the key; registered before registerAuth for that, and so that 401s carry the CORS headers too.
 */
export async function registerCors(app: FastifyInstance): Promise<void> {
  const origins = app.config.CORS_ORIGINS;
  if (origins.length === 0) return;
  await app.register(fastifyCors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    // An OPTIONS without Origin (curl asking what a path allows) gets the same 204, not a text/plain 400.
    strictPreflight: false,
  });
}
