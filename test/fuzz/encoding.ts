/**
 * How generated text travels in a URL, and how a request is printed so that it can be sent again
 * byte for byte.
 */

/**
 * encodeURIComponent, except that a lone surrogate (which encodeURIComponent refuses) is written
 * as the three bytes WTF-8 gives it (`%ED%A0%80` for U+D800): not valid UTF-8, as a client with a
 * broken string would send it.
 */
export function encodeComponent(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(text[i] as string);
    }
  }
  return out;
}

/** Runs of one short unit at least this long are printed as `"unit".repeat(n)`. */
const MIN_RUN_CHARS = 64;

/**
 * A JavaScript expression that evaluates to exactly `text`: short text as a JSON string literal
 * (lone surrogates escaped), long repetitions (huge strings, deep nesting) folded into `.repeat(n)`.
 */
export function textExpression(text: string): string {
  const parts: string[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    let folded = false;
    for (let unit = 1; unit <= 8 && !folded; unit++) {
      const piece = text.slice(i, i + unit);
      let n = 1;
      while (text.startsWith(piece, i + n * unit)) n++;
      if (n * unit >= MIN_RUN_CHARS && n > 1) {
        if (literal) parts.push(JSON.stringify(literal));
        literal = '';
        parts.push(`${JSON.stringify(piece)}.repeat(${n})`);
        i += n * unit;
        folded = true;
      }
    }
    if (!folded) {
      literal += text[i];
      i++;
    }
  }
  if (literal || parts.length === 0) parts.push(JSON.stringify(literal));
  return parts.join(' + ');
}
