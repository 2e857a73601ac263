import { describe, expect, it } from 'vitest';
import { themeSchemas } from '../../../src/modules/themes/themes.module';
import { createTeam, createTheme } from '../../helpers/factories';
import { describeNamedResource } from '../../helpers/named-resource.suite';

const suite = describeNamedResource({ plural: 'themes', entity: 'theme', idPrefix: 'thm', schemas: themeSchemas });

describe('themes and teams', () => {
  it('keep separate key spaces: a theme and a team may share a key', async () => {
    const t = suite.app();
    const team = await createTeam(t);
    const theme = await createTheme(t, { key: team.key });
    expect((await t.call({ method: 'GET', url: `/v1/themes/${team.key}` })).json().id).toBe(theme.id);
    expect((await t.call({ method: 'GET', url: `/v1/teams/${team.key}` })).json().id).toBe(team.id);
    expect((await t.call({ method: 'GET', url: `/v1/themes/${team.id}` })).statusCode).toBe(404);
  });
});
