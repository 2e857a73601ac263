import { describe, expect, it } from 'vitest';
import { themeSchemas } from '../../../src/modules/themes/themes.module';
import { createInitiative, createTeam, createTheme } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problems';
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

  it('a theme cannot be deleted while an initiative belongs to it (409)', async () => {
    const t = suite.app();
    const theme = await createTheme(t);
    const initiative = await createInitiative(t, { theme: theme.key });
    expectProblem(await t.call({ method: 'DELETE', url: `/v1/themes/${theme.key}` }), 409, 'conflict');
    expect((await t.call({ method: 'PATCH', url: `/v1/initiatives/${initiative.id}`, payload: { theme: null } })).statusCode).toBe(200);
    expect((await t.call({ method: 'DELETE', url: `/v1/themes/${theme.key}` })).statusCode).toBe(204);
  });
});
