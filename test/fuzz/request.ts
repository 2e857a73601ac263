import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { textExpression } from './encoding';

/** One generated request, exactly as it is injected. */
export class FuzzRequest {
  constructor(
    readonly operation: string,
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
    /** The raw body: text, or bytes where the text is not UTF-8. */
    readonly body?: string | Buffer,
  ) {}

  toInject(): InjectOptions {
    return {
      method: this.method as InjectOptions['method'],
      url: this.url,
      headers: this.headers,
      ...(this.body === undefined ? {} : { payload: this.body }),
    };
  }

  /**
   * The request as code that sends it again: `app.inject({...})` with every string as an exact
   * expression (huge and deeply nested values folded into `.repeat(n)`, bytes as hex).
   */
  describe(): string {
    const headers = Object.entries(this.headers).map(([k, v]) => `${JSON.stringify(k)}: ${textExpression(v)}`);
    const body =
      this.body === undefined
        ? ''
        : `, payload: ${Buffer.isBuffer(this.body) ? `Buffer.from(${JSON.stringify(this.body.toString('hex'))}, 'hex')` : textExpression(this.body)}`;
    return `[${this.operation}] app.inject({ method: ${JSON.stringify(this.method)}, url: ${textExpression(this.url)}, headers: { ${headers.join(', ')} }${body} })`;
  }

  /** How fast-check prints a counterexample. */
  [fc.toStringMethod](): string {
    return this.describe();
  }
}
