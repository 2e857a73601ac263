/**
 * JSON text with what JSON.stringify cannot write: a raw fragment (`1e400`, `-0`, 10,000 levels of
 * nesting, a broken token) and an object whose text repeats a key. Generated values hold these
 * markers; `jsonText` writes the exact bytes a hostile or sloppy client would send.
 */

/** Text spliced into the JSON as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written with its entries in order, duplicates included: `{"a":1,"a":2}`. */
export class DuplicateKeys {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

export function jsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof DuplicateKeys) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
      .join(',')}}`;
  }
  // JSON.stringify writes a lone surrogate as a \ud800 escape (well-formed JSON.stringify), so it
  // travels as valid UTF-8 and the server must find it after parsing.
  return value === undefined ? 'null' : JSON.stringify(value);
}

/** True when the value holds a marker, i.e. is not a plain JSON value (CSV and query strings cannot carry one). */
export function hasMarker(value: unknown): boolean {
  if (value instanceof RawJson || value instanceof DuplicateKeys) return true;
  if (Array.isArray(value)) return value.some(hasMarker);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasMarker);
  return false;
}

/** `depth` levels of arrays or objects around a value, built as text (no recursion anywhere). */
export function deepNesting(depth: number, kind: 'array' | 'object'): RawJson {
  return kind === 'array' ? new RawJson(`${'['.repeat(depth)}1${']'.repeat(depth)}`) : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}
