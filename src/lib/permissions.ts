import { forbidden } from '../http/problems';
import type { Actor } from './context';

export function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw forbidden('Only an admin key may do this.');
}

/** Admins write everywhere; editors only for the teams their key lists; viewers never. */
export function assertCanWriteTeam(actor: Actor, teamId: string, teamKey = teamId): void {
  if (actor.role === 'admin') return;
  if (actor.role === 'editor' && actor.teamIds.has(teamId)) return;
  throw forbidden(
    actor.role === 'viewer'
      ? 'A viewer key may only read.'
      : `This editor key may not write for team '${teamKey}'; ask an admin to add the team to the key.`,
  );
}
