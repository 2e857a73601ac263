import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { errorResponses, IdParams, NoContent } from '../../http/schemas';
import { sendRendered } from '../../http/rendered-read';
import { PACE_BOUND_MS } from '../dashboard/tracked-reading';
import { PROGRESS_COLUMNS } from './progress.csv';
import { InitiativeProgressSchema, ProgressQuery } from './progress.schemas';
import { getInitiativeProgress } from './progress.service';

export const progressRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/initiatives/:id/progress',
    {
      config: { access: 'viewer', csv: true, queryToken: true },
      schema: {
        operationId: 'getInitiativeProgress',
        tags: ['progress'],
        summary: 'An initiative version by version: time box, days taken, health, hypotheses, tracked metrics, decision, learnings',
        description:
          'Any key (anyone may read across teams); a viewer key may come as access_token for tools that cannot send headers. The path takes the initiative id or key; ' +
          'archived initiatives are readable too. Every iteration by number, with its time box, days_taken (started_at to closed_at or abandoned_at, or to now while ' +
          'under construction or in review; days with one decimal; null if never started), the latest check-in health, stale, hypotheses counted by status, ' +
          'its tracked metrics (current, progress and health as GET /v1/iterations/{id}/metrics computes them, now), the decision (null until closed) and the ' +
          "retrospective's learnings (null without a retrospective). " +
          'JSON by default; CSV with Accept: text/csv, ?format=csv or a .csv suffix: one row per (version, tracked metric), the initiative and version columns repeated, ' +
          `a version tracking no metric on one row with empty metric columns. Columns: ${PROGRESS_COLUMNS.join(', ')} ` +
          '(version is the iteration number; health is the check-in health and metric_health the tracked metric\'s; learnings_count counts the learnings, empty without a retrospective; an empty cell is null). ' +
          'Each form has its own ETag; If-None-Match naming it answers 304. Served from a cache dropped by any write; without writes an answer stands until ' +
          `a version turns stale or its days_taken moves by a tenth of a day, and at most ${PACE_BOUND_MS / 1000} s while a tracked metric with measurements is inside its time box.`,
        params: IdParams,
        querystring: ProgressQuery,
        response: { 200: InitiativeProgressSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => sendRendered(request, reply, getInitiativeProgress(ctxOf(request), request.params.id)),
  );
};
