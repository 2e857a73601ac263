import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ctxOf } from '../../http/context';
import { withNextLink } from '../../http/pagination';
import { errorResponses, NoContent } from '../../http/schemas';
import { sendRendered } from '../../http/rendered-read';
import { LearningsPage, LearningsQuery, type LearningsPageBody } from './learnings.schemas';
import { listLearnings } from './learnings.service';

export const learningsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/learnings',
    {
      config: { access: 'viewer', csv: true, queryToken: true },
      schema: {
        operationId: 'listLearnings',
        tags: ['learnings'],
        summary: 'What was learned: concluded hypotheses across initiatives, with their retrospectives',
        description:
          'Any key; a viewer key may also come as access_token (for Grafana Infinity and spreadsheets). Every hypothesis concluded validated, invalidated or inconclusive, ' +
          'with its statement, evidence, confidence and override reason, the initiative and team, the version it was tested in (number, status, decision once closed) and that version\'s retrospective (decision and learnings; null when none was written). ' +
          'Filter by metric (all metrics without it), team, initiative (each unknown one is a 404) and result. Newest conclusion first (concluded_at, then id, descending); paginated with limit and cursor, the Link header points at the next page. ' +
          'JSON, or CSV with Accept: text/csv, ?format=csv or a .csv suffix: the CSV form is the same page (one row per hypothesis, learnings as a JSON array in one cell) with the same Link header, so pass limit=500 and follow Link for more. ' +
          'Each form has its own ETag (If-None-Match answers 304); cached until the next write.',
        querystring: LearningsQuery,
        response: { 200: LearningsPage, 304: NoContent, ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const read = listLearnings(ctxOf(request), request.query);
      withNextLink(request, reply, { next_cursor: read.nextCursor });
      return sendRendered<LearningsPageBody>(request, reply, read);
    },
  );
};
