import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { errorResponses, NoContent } from '../../http/schemas';
import { getDashboardRoadmap } from './dashboard-roadmap.service';
import { getDashboardSummary } from './dashboard-summary.service';
import { DashboardRoadmapQuery, DashboardRoadmapSchema, DashboardSummaryQuery, DashboardSummarySchema, OVERDUE_LIST_MAX } from './dashboard.schemas';
import { PACE_BOUND_MS } from './tracked-reading';
import { sendRendered } from '../../http/rendered-read';

const tags = ['dashboard'];

const ACCESS =
  'Any key (anyone may read across teams); a viewer key may come as access_token for tools that cannot send headers.';
const FILTERS =
  'Filters, as the initiatives list takes them: team and theme (id or key; an unknown one is a 404), horizon, and archived (false by default: archived initiatives are left out; true: only them; all: both).';
const FORMS =
  'JSON by default; CSV with Accept: text/csv, ?format=csv or a .csv suffix. Each form has its own ETag, and If-None-Match naming it answers 304.';

export const dashboardRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/dashboard/summary',
    {
      config: { access: 'viewer', csv: true, queryToken: true },
      schema: {
        operationId: 'getDashboardSummary',
        tags,
        summary: 'Counts across initiatives: statuses, overdue, stale, validation rate, median length, metric health, action items',
        description:
          `${ACCESS} Over the initiatives matching the filters and their iterations: initiatives by status; iterations by status; ` +
          `overdue iterations (planned_end passed, not closed or abandoned: the count, and the ${OVERDUE_LIST_MAX} most overdue with truncated telling whether there are more); ` +
          'stale iterations (under construction or in review without a check-in within the policy interval); hypotheses by status and the validation rate ' +
          '(validated / (validated + invalidated + inconclusive), null when none is concluded; each version counts its own hypotheses, carried copies included); ' +
          'the median length of closed iterations (started_at to closed_at, days with one decimal); tracked metrics of iterations under construction or in review ' +
          'by pace-based health (as GET /v1/iterations/{id}/metrics computes it); open action items counted once each as their latest copy, and of those the recurring ones (carried twice or more). ' +
          `${FILTERS} ${FORMS} CSV: columns measure,key,value, one row per number (e.g. initiatives_by_status,active,12; overdue_iterations,count,2; ` +
          'hypothesis_validation_rate,rate,0.5; median_iteration_days,days,12.5; action_items,recurring,3; an empty value is null); the overdue list is in the JSON form only. ' +
          `Served from a cache dropped by any write; without writes an answer stands until an iteration turns overdue or stale, and at most ${PACE_BOUND_MS / 1000} s ` +
          'while an active tracked metric with measurements is inside its time box (pace-based health moves with the clock).',
        querystring: DashboardSummaryQuery,
        response: { 200: DashboardSummarySchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { format: _f, access_token: _t, ...filters } = request.query;
      return sendRendered(request, reply, getDashboardSummary(ctxOf(request), filters));
    },
  );

  app.get(
    '/dashboard/roadmap',
    {
      config: { access: 'viewer', csv: true, queryToken: true },
      schema: {
        operationId: 'getDashboardRoadmap',
        tags,
        summary: 'The roadmap as lanes (by theme, team or horizon) of initiatives with their current version, health and progress',
        description:
          `${ACCESS} group_by picks the lanes: theme (default; initiatives without a theme go to the lane with key null named "No theme", listed last), team, or horizon (now, next, later). ` +
          'Only lanes holding an initiative are listed, themes and teams by key. Each initiative shows its current version (the iteration under construction or in review, else the latest) ' +
          "with its status, the health of its latest check-in, whether it is stale, and progress: the mean progress of that version's tracked metrics that have one " +
          '((current - baseline) / (target - baseline), as the tracked-metric API computes it, not clamped), null when none has. ' +
          `${FILTERS} ${FORMS} CSV: one row per initiative with the lane first: group_by, lane_key, lane_name, initiative_id, initiative_key, title, status, horizon, team, theme, ` +
          'current_version, current_version_status, health, stale, progress (an empty cell is null). ' +
          'Served from a cache dropped by any write; without writes an answer stands until a current version turns stale.',
        querystring: DashboardRoadmapQuery,
        response: { 200: DashboardRoadmapSchema, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const { format: _f, access_token: _t, group_by, ...filters } = request.query;
      return sendRendered(request, reply, getDashboardRoadmap(ctxOf(request), group_by, filters));
    },
  );
};
