import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Clock } from '../lib/clock';
import type { Actor, Role } from '../lib/context';

/** Who may call a route: `public` needs no key; a role means that role or a stronger one. */
export type Access = 'public' | Role;

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    clock: Clock;
    config: Config;
  }
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** The route also answers CSV (see tabular.ts). */
    csv?: boolean;
    /** A viewer key may come as `?access_token=` (GET dashboard reads and exports only). */
    queryToken?: boolean;
  }
}
