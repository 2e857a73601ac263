import type { z } from 'zod';
import { serializationSchema } from './serializer';

/**
 * Where each property of a response schema comes from in a row: a SQL expression for a scalar
 * (a boolean property takes a SQL condition), `{ json }` for a column that holds JSON text (arrays,
 * records), `{ object, nullWhen }` for a nested object.
 */
export type JsonShape = { [property: string]: string | { json: string } | { object: JsonShape; nullWhen?: string } };

interface Node {
  type?: string | string[];
  nullable?: boolean;
  properties?: Record<string, Node>;
}

const fail = (path: string, message: string): never => {
  throw new Error(`JSON select for ${path}: ${message}`);
};

/** The type of a node, with a nullable union (`["string", "null"]`) read as its non-null member. */
function typeOf(node: Node): string | undefined {
  if (!Array.isArray(node.type)) return node.type;
  const types = node.type.filter((t) => t !== 'null');
  return types.length === 1 ? types[0] : fail(JSON.stringify(node.type), 'a union of types is rendered in JavaScript, not SQL');
}

function render(node: Node, source: JsonShape[string], path: string): string {
  const type = typeOf(node);
  if (type === 'object' && node.properties) {
    if (typeof source !== 'object' || !('object' in source)) return fail(path, 'a nested object needs { object, nullWhen }');
    const inner = objectSql(node, source.object, path);
    if (source.nullWhen === undefined) return node.nullable ? fail(path, 'a nullable object needs nullWhen') : inner;
    return `CASE WHEN ${source.nullWhen} THEN NULL ELSE ${inner} END`;
  }
  if (type === 'array' || type === 'object') {
    if (typeof source !== 'object' || !('json' in source)) return fail(path, 'an array or record needs { json: column holding JSON text }');
    return `json(${source.json})`;
  }
  if (typeof source !== 'string') return fail(path, 'a scalar needs a SQL expression');
  if (type === 'boolean') return `CASE WHEN ${source} THEN json('true') ELSE json('false') END`;
  // SQLite renders REAL values its own way; only text and integers are guaranteed byte-equal to JSON.stringify.
  if (type === 'string' || type === 'integer') return source;
  return fail(path, `type ${JSON.stringify(type)} is rendered in JavaScript, not SQL`);
}

function objectSql(node: Node, shape: JsonShape, path: string): string {
  const properties = node.properties ?? {};
  const missing = Object.keys(properties).filter((p) => !(p in shape));
  const unknown = Object.keys(shape).filter((p) => !(p in properties));
  if (missing.length || unknown.length) {
    fail(path, `the shape must name exactly the schema's properties (missing: ${missing.join(', ') || 'none'}; not in the schema: ${unknown.join(', ') || 'none'})`);
  }
  const pairs = Object.entries(properties).map(([name, child]) => `'${name}', ${render(child, shape[name] as JsonShape[string], `${path}.${name}`)}`);
  return `json_object(${pairs.join(', ')})`;
}

/**
 * A SQL expression that renders a row as the JSON of a zod object schema, byte for byte what the
 * compiled serializer writes: the properties in the schema's order, and only those (the shape
 * must name each one and nothing else, checked when the statement is built). Used by reads that
 * return many rows, so each row crosses into JavaScript as one string, not a dozen values.
 */
export function jsonSelect(schema: z.ZodType, shape: JsonShape): string {
  const node = serializationSchema(schema) as Node;
  if (node.type !== 'object') fail('(root)', 'the schema must be an object');
  return objectSql(node, shape, '(root)');
}
