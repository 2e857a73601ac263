/** The parts of a Postman v2.1 collection the generator writes or rewrites. */
import { createHash } from 'node:crypto';

export interface PostmanEvent {
  listen: 'prerequest' | 'test';
  script: { id?: string; type: 'text/javascript'; exec: string[] };
}

export interface PostmanItem {
  id?: string;
  name: string;
  description?: unknown;
  /** A folder has items; a request has `request`. */
  item?: PostmanItem[];
  request?: {
    method: string;
    url: { raw?: string; host?: string[]; path?: string[]; [k: string]: unknown };
    auth?: unknown;
    [k: string]: unknown;
  };
  event?: PostmanEvent[];
  response?: unknown[];
  [k: string]: unknown;
}

export interface PostmanCollection {
  info: { _postman_id?: string; name: string; description?: unknown; schema: string };
  item: PostmanItem[];
  auth?: unknown;
  event?: PostmanEvent[];
  variable?: { key: string; value: string; type?: string; description?: string }[];
}

/**
 * A UUID derived from a name, so every generation of the collection gives the same ids: the
 * committed file can be drift-checked, and a re-import into Postman replaces items in place.
 */
export function stableId(name: string): string {
  const h = createHash('sha1').update(`roadworks:${name}`).digest('hex');
  const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
