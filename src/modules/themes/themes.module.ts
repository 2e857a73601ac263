import { themes } from '../../db/schema';
import { namedRoutes } from '../shared/named-resource.routes';
import { namedSchemas } from '../shared/named-resource.schemas';
import { namedService } from '../shared/named-resource.service';
import type { NamedTable } from '../shared/named-resource.repo';

/** Central strategic pillars that initiatives belong to. */
export const themeSchemas = namedSchemas('Theme', {
  key: 'pipeline-health',
  name: 'Pipeline health',
  description: 'More qualified pipeline, less leakage.',
});

export const themesService = namedService({
  // Same columns as teams (namedColumns); only the table name differs.
  table: themes as unknown as NamedTable, entity: 'theme', idPrefix: 'thm', referencedBy: 'initiatives' });

export const themeRoutes = namedRoutes({ plural: 'themes', singular: 'Theme', schemas: themeSchemas, service: themesService });
