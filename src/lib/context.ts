import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Clock } from './clock';

export const ROLES = ['admin', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as established by the API key. */
export interface Actor {
  keyId: string;
  name: string;
  role: Role;
  /** Teams an editor may write; empty for viewers, unused for admins. */
  teamIds: ReadonlySet<string>;
}

/** What every service function receives: who asks, when "now" is, and where the data lives. */
export interface Ctx {
  db: Db;
  clock: Clock;
  config: Config;
  actor: Actor;
  requestId: string;
}
