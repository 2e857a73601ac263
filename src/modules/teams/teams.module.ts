import { teams } from '../../db/schema';
import { namedRoutes } from '../shared/named-resource.routes';
import { namedSchemas } from '../shared/named-resource.schemas';
import { namedService } from '../shared/named-resource.service';

/** Teams own initiatives; editor keys are scoped to them. */
export const teamSchemas = namedSchemas('Team', { key: 'revops', name: 'Revenue Operations', description: 'Owns pipeline and forecasting.' });

export const teamsService = namedService({
  table: teams,
  entity: 'team',
  idPrefix: 'team',
  referencedBy: 'initiatives or API keys',
});

export const teamRoutes = namedRoutes({ plural: 'teams', singular: 'Team', schemas: teamSchemas, service: teamsService });
