import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { documentAccess } from './auth.openapi';
import { documentIdempotencyKey } from './idempotency.openapi';
import { DOCS_CSP } from './security-headers';
import { documentTabular } from './tabular.openapi';

export const API_VERSION = '1.0.0';

interface Document {
  components?: { schemas?: Record<string, unknown> };
  paths?: Record<
    string,
    Record<string, { requestBody?: { required?: boolean; content?: Record<string, { schema?: { nullable?: boolean } }> }; responses?: Record<string, { headers?: unknown }> }>
  >;
}

const seconds = (description: string) => ({ description, schema: { type: 'integer', minimum: 0 } });

/** The headers a client acts on, documented on the answers that carry them: when to retry, and the key's allowance. */
const RESPONSE_HEADERS: Record<string, Record<string, ReturnType<typeof seconds>>> = {
  429: {
    'Retry-After': seconds('Seconds to wait before trying again'),
    'X-RateLimit-Limit': seconds('Requests the key may make per window (RATE_LIMIT_MAX)'),
    'X-RateLimit-Remaining': seconds('Requests left in the current window'),
    'X-RateLimit-Reset': seconds('Seconds until the window starts again'),
  },
  503: { 'Retry-After': seconds('Seconds to wait before trying again') },
};

/**
 * OpenAPI 3.0.3: `nullable` adds null to the `type`, yet an `enum` still restricts the value, so
 * a nullable enum must list null itself or validators refuse the nulls the API sends.
 */
function listNullInNullableEnums(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(listNullInNullableEnums);
  if (node === null || typeof node !== 'object') return;
  const schema = node as { nullable?: unknown; enum?: unknown };
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  Object.values(node).forEach(listNullInNullableEnums);
}

/**
 * Final touches on the generated document. The zod provider emits an input and an output
 * component for every registered schema: drop those nothing refers to, so each shape appears
 * once. @fastify/swagger marks every body required: a nullable body (actions that take none) is not.
 * 429 and 503 answers document their Retry-After (and 429 its X-RateLimit-*) headers.
 */
function finishDocument<T>(generated: T): T {
  const document = generated as Document;
  const schemas = { ...(document.components?.schemas ?? {}) };
  for (;;) {
    const text = JSON.stringify({ ...document, components: { ...document.components, schemas } });
    const unused = Object.keys(schemas).filter((name) => name.endsWith('Input') && !text.includes(`"#/components/schemas/${name}"`));
    if (unused.length === 0) break;
    for (const name of unused) delete schemas[name];
  }
  for (const operations of Object.values(document.paths ?? {})) {
    for (const op of Object.values(operations)) {
      if (op.requestBody?.content?.['application/json']?.schema?.nullable) op.requestBody.required = false;
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (RESPONSE_HEADERS[status]) response.headers = RESPONSE_HEADERS[status];
      }
    }
  }
  listNullInNullableEnums([document.paths, schemas]);
  return { ...document, components: { ...document.components, schemas } } as T;
}

/** Every tag a route uses, declared once (alphabetical) so tools can group and explain operations. */
const TAGS = [
  { name: 'action-items', description: 'Follow-ups of an iteration (title, owner, due date, open, done or dropped); open ones carry into the next version, and an item carried twice or more is recurring.' },
  { name: 'activity', description: 'The audit trail: one entry per change (actor, action, changed fields before and after), written in the same transaction as the change.' },
  { name: 'api-keys', description: 'Bearer keys and their roles (admin, editor, viewer); admins only. Secrets are shown once, at creation.' },
  { name: 'check-ins', description: 'Dated health updates (on_track, at_risk, off_track) on an iteration in progress; they drive health and stale.' },
  { name: 'dashboard', description: 'Read models across initiatives for dashboards: a summary of counts and rates, and the roadmap as lanes by theme, team or horizon; JSON or CSV, cached until a write or the clock changes them.' },
  { name: 'exports', description: 'Tidy long tables for Grafana (Infinity), BI tools and spreadsheets: the measurement ledger and the progress of every version, as CSV or a bare JSON array, filterable by from/to; large exports stream.' },
  { name: 'health', description: 'Liveness and readiness probes for load balancers and orchestrators; no key needed.' },
  { name: 'hypotheses', description: 'Testable beliefs of an iteration tied to a catalog metric and a success criterion; the API suggests validated, invalidated, inconclusive or insufficient_data from the measurements, and a person concludes.' },
  { name: 'initiatives', description: 'Roadmap items owned by a team, advancing through numbered iterations; archived, never deleted.' },
  { name: 'iterations', description: 'Numbered versions of an initiative: plan, start, review, close with a decision, carry open work over, compare.' },
  { name: 'learnings', description: 'What was learned: concluded hypotheses (validated, invalidated, inconclusive) across initiatives, with the version they were tested in and its retrospective; JSON or CSV.' },
  { name: 'measurements', description: 'The append-only measurement ledger: one row, a JSON array, NDJSON or CSV per request, all or nothing; corrections void or supersede, never edit.' },
  { name: 'metric-series', description: 'Read models of one metric for dashboards, from the rollups: its series over time and its lift across teams and initiatives, per definition version; JSON or CSV.' },
  { name: 'metrics', description: 'The metric catalog: central metrics (admins) and team metrics (their editors), with versioned definitions (unit, direction, aggregation).' },
  { name: 'policy', description: "The organisation's central rules, as data (admins write, anyone reads): central metrics, what starting and closing need, the longest time box, the check-in interval, required initiative attributes; and what is out of policy now." },
  { name: 'progress', description: 'An initiative version by version, for dashboards: time box, days taken, health, hypotheses by result, tracked metrics, decision and learnings; JSON or CSV.' },
  { name: 'retrospectives', description: 'The learning card of each version: what went well, what to improve, learnings and the decision; frozen with a snapshot of the version when it ends.' },
  { name: 'teams', description: 'The teams that own initiatives and scope editor keys; anyone reads, admins write.' },
  { name: 'themes', description: 'Strategic pillars initiatives belong to; anyone reads, admins write.' },
  { name: 'tracked-metrics', description: 'Metrics an iteration sets out to move, with baseline and target; the API computes current value, progress and pace-based health from the measurement rollups.' },
];

/** The OpenAPI 3.0.3 document is generated from the routes' zod schemas; nothing is written by hand. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Roadworks API',
        version: API_VERSION,
        description:
          'Run a sales-ops and revenue-ops roadmap in small, measured iterations. Every /v1 call carries ' +
          '`Authorization: Bearer <key>`. Errors are RFC 9457 problem+json. Lists page with `limit` and `cursor`.',
        contact: { name: 'Roadworks', url: 'https://roadworks.dev' },
      },
      servers: [{ url: '/' }],
      tags: TAGS,
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key created with POST /v1/api-keys' } },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => documentAccess(documentTabular(documentIdempotencyKey(finishDocument(jsonSchemaTransformObject(document))))),
  });
  // The page's own Content-Security-Policy (see DOCS_CSP); no validator badge, which would send the
  // document's URL to validator.swagger.io.
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: DOCS_CSP, uiConfig: { validatorUrl: null } });

  app.get(
    '/openapi.json',
    { config: { access: 'public' }, schema: { hide: true } },
    async () => app.swagger(),
  );
}
