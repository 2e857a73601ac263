import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { storageFaultOf } from '../../db/storage-faults';
import { ctxOf } from '../../http/context';
import { ifMatchOf, sendEntity } from '../../http/etag';
import { withNextLink } from '../../http/pagination';
import { errorResponses, NoContent } from '../../http/schemas';
import { ensurePolicy } from './policy.current';
import { PolicySchema, PolicyViolationPage, PolicyViolationQuery, PutPolicyBody } from './policy.schemas';
import { getPolicy, updatePolicy } from './policy.service';
import { listViolations } from './policy.violations';

const tags = ['policy'];

export const policyRoutes: FastifyPluginAsyncZod = async (app) => {
  // The row exists from the start, like the bootstrap admin key; a read re-creates it if missing.
  // A read-only or locked file does not stop the server from starting: such a read answers 503.
  try {
    ensurePolicy(app.db, app.clock, app.config);
  } catch (err) {
    if (storageFaultOf(err) === undefined) throw err;
  }

  app.get(
    '/policy',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'getPolicy',
        tags,
        summary: "Get the organisation's central rules",
        description:
          'Any key. Every rule is off (false or null) until an admin sets it, except checkin_interval_days, whose initial value is the CHECKIN_INTERVAL_DAYS setting. Sends an ETag (If-None-Match answers 304); send it as If-Match when you PUT.',
        response: { 200: PolicySchema, 304: NoContent, ...errorResponses() },
      },
    },
    async (request, reply) => sendEntity(request, reply, getPolicy(ctxOf(request))),
  );

  app.put(
    '/policy',
    {
      config: { access: 'admin' },
      schema: {
        operationId: 'updatePolicy',
        tags,
        summary: 'Replace the central rules (admins); honours If-Match',
        description:
          "Admins only. The body is the whole rule set: a rule left out returns to its default (off; checkin_interval_days to the CHECKIN_INTERVAL_DAYS setting), so GET the policy first and send it back changed. With If-Match, a change by another admin since your read is a 412. Each change bumps version and is logged in the activity (entity_type policy) with the rules before and after. From then on every write obeys the rules (a write breaking one is a 422 policy_violation naming it); existing objects are not changed: GET /v1/policy/violations lists those now out of policy.",
        body: PutPolicyBody,
        response: { 200: PolicySchema, ...errorResponses(412, 413, 415) },
      },
    },
    async (request, reply) => sendEntity(request, reply, updatePolicy(ctxOf(request), request.body, ifMatchOf(request))),
  );

  app.get(
    '/policy/violations',
    {
      config: { access: 'viewer' },
      schema: {
        operationId: 'listPolicyViolations',
        tags,
        summary: 'List what is out of policy now (rule, entity, what to do)',
        description:
          'Any key: anyone may read across teams. Computed at each call over what is still in play: initiatives not archived; iterations planned, under construction or in review, with their hypotheses and tracked metrics. Closed and abandoned versions are history and never listed. A rule tightened later changes no object; its offenders appear here. Ordered by rule, then entity id; filter with rule; paginated with limit and cursor (the Link header points at the next page).',
        querystring: PolicyViolationQuery,
        response: { 200: PolicyViolationPage, ...errorResponses() },
      },
    },
    async (request, reply) => {
      const { limit, cursor, rule } = request.query;
      return withNextLink(request, reply, listViolations(ctxOf(request), { rule }, { limit, cursor }));
    },
  );
};
