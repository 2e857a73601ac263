import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ContractIndex, ContractOperation } from './document';

/**
 * Checks every response of every app a test builds against the served OpenAPI document (compiled
 * by the global setup into `dir`): a status the operation documents, a documented content type,
 * a body its schema accepts. What it sees is kept per test file, for the suite-wide coverage gate.
 */

interface Validator {
  (data: unknown): boolean;
  errors?: { instancePath: string; message?: string }[] | null;
}

export interface Contract {
  operations: Map<string, ContractOperation>;
  validators: Record<string, Validator>;
  problem: Validator;
}

/** A response as the client received it. */
export interface SentResponse {
  method: string;
  path: string;
  /** The operationId of the route that answered; none for unknown routes and router errors. */
  operationId?: string;
  status: number;
  contentType: string;
  body: Buffer;
}

export interface Verdict {
  /** `operationId status`, when an operation of the document answered. */
  pair?: string;
  documented: boolean;
  violations: string[];
}

/** What one test file's requests showed; written to `<dir>/runs/` for the global teardown. */
export interface FileRun {
  file: string;
  /** `operationId status` pairs answered as documented. */
  exercised: string[];
  /** `operationId status` pairs answered although the operation does not document that status. */
  undocumented: string[];
}

const MAX_LISTED = 20;

export function loadContract(dir: string): Contract {
  const index = JSON.parse(readFileSync(join(dir, 'contract.json'), 'utf8')) as ContractIndex;
  // Plain Node require: the standalone module is CommonJS written outside the project.
  const validators = createRequire(import.meta.url)(join(dir, 'validators.cjs')) as Record<string, Validator>;
  const problem = validators[index.problem];
  if (!problem) throw new Error('The compiled contract has no Problem validator');
  return { operations: new Map(index.operations.map((op) => [op.operationId, op])), validators, problem };
}

const ajvErrors = (validate: Validator) =>
  (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is not valid'}`).join('; ');

function bodyViolation(media: string, body: Buffer, validate: Validator): string | undefined {
  const text = body.toString('utf8');
  let data: unknown = text;
  if (media === 'application/json' || media.endsWith('+json')) {
    try {
      data = JSON.parse(text);
    } catch {
      return `the body is not JSON: ${text.slice(0, 80)}`;
    }
  }
  return validate(data) ? undefined : `the ${media} body does not match its schema: ${ajvErrors(validate)}`;
}

/** Judges one response against the document. */
export function judge(contract: Contract, r: SentResponse): Verdict {
  const status = String(r.status);
  const media = r.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const sent = `${r.method} ${r.path} answered ${status}`;
  const op = r.operationId === undefined ? undefined : contract.operations.get(r.operationId);
  if (!op) {
    // No operation of the document (an unknown route, a router error, a route a test added): an error is still a problem.
    if (r.status < 400) return { documented: true, violations: [] };
    if (media !== 'application/problem+json') return { documented: true, violations: [`${sent}: content type '${r.contentType}', not application/problem+json`] };
    const broken = bodyViolation(media, r.body, contract.problem);
    return { documented: true, violations: broken ? [`${sent}: ${broken}`] : [] };
  }
  const pair = `${op.operationId} ${status}`;
  const name = `${sent} (${op.operationId}: ${op.method} ${op.path})`;
  const documented = op.responses[status];
  if (!documented) {
    return { pair, documented: false, violations: [`${name}: status ${status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`] };
  }
  // HEAD answers a GET's status without its body.
  if (r.method === 'HEAD') return { documented: true, violations: [] };
  const medias = Object.keys(documented);
  if (medias.length === 0) {
    return { pair, documented: true, violations: r.body.length > 0 ? [`${name}: documents no body, but ${r.body.length} bytes were sent`] : [] };
  }
  const validatorName = documented[media];
  if (validatorName === undefined) {
    return { pair, documented: true, violations: [`${name}: content type '${r.contentType}' is not documented (documented: ${medias.join(', ')})`] };
  }
  const validate = validatorName === null ? undefined : contract.validators[validatorName];
  const broken = validate && bodyViolation(media, r.body, validate);
  return { pair, documented: true, violations: broken ? [`${name}: ${broken}`] : [] };
}

function chunkBytes(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return undefined;
}

/**
 * Calls `onEnd` with the bytes of the response once it ends, whatever sent them (a serialized
 * body, a stream, an error handler), for app.inject and real sockets alike.
 */
function captureBody(res: ServerResponse, onEnd: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const { write, end } = res;
  let ended = false;
  res.write = function (this: ServerResponse, ...args: unknown[]) {
    const bytes = chunkBytes(args[0], args[1]);
    if (bytes) chunks.push(bytes);
    return write.apply(this, args as Parameters<typeof write>);
  } as typeof res.write;
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    const bytes = chunkBytes(args[0], args[1]);
    if (bytes) chunks.push(bytes);
    if (!ended) {
      ended = true;
      onEnd(Buffer.concat(chunks));
    }
    return end.apply(this, args as Parameters<typeof end>);
  } as typeof res.end;
}

/** Statuses the running test provokes on purpose (see allowUndocumentedStatus); cleared as it ends. */
const allowed = new Set<number>();

/**
 * For a test that provokes, on purpose, a status no operation documents (an internal error from
 * an injected failure): its responses with that status are not held against the contract, until
 * the test ends.
 */
export function allowUndocumentedStatus(status: number): void {
  allowed.add(status);
}

export class ContractLog {
  private contract?: Contract;
  private readonly exercised = new Set<string>();
  private readonly undocumented = new Set<string>();
  private violations: string[] = [];
  private readonly runFile: string;

  /** `file`: the test file whose requests this log judges. */
  constructor(
    private readonly dir: string,
    private readonly file: string,
  ) {
    this.runFile = join(dir, 'runs', `${randomUUID()}.json`);
  }

  /** Adds the check to an app; called for every Fastify instance as it is created. */
  observe(app: FastifyInstance): void {
    app.addHook('onRequest', (request, reply, done) => {
      captureBody(reply.raw, (body) => {
        try {
          this.record(request, reply, body);
        } catch (err) {
          this.violations.push(`${request.method} ${request.url}: the contract check failed: ${String(err)}`);
        }
      });
      done();
    });
  }

  private record(request: FastifyRequest, reply: FastifyReply, body: Buffer): void {
    // Apps without the document (none of this API's) have no contract to keep.
    if (typeof (request.server as { swagger?: unknown }).swagger !== 'function') return;
    this.contract ??= loadContract(this.dir);
    const verdict = judge(this.contract, {
      method: request.method,
      path: request.url.split('?')[0] ?? '',
      operationId: (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId,
      status: reply.statusCode,
      contentType: String(reply.getHeader('content-type') ?? ''),
      body,
    });
    if (!verdict.documented && allowed.has(reply.statusCode)) return;
    if (verdict.pair && request.method !== 'HEAD') (verdict.documented ? this.exercised : this.undocumented).add(verdict.pair);
    this.violations.push(...verdict.violations);
  }

  /** Throws, naming each response that broke the contract since the last call; ends allowances. */
  assertKept(): void {
    allowed.clear();
    if (this.violations.length === 0) return;
    const listed = this.violations.slice(0, MAX_LISTED);
    const more = this.violations.length - listed.length;
    this.violations = [];
    throw new Error(
      `Responses that break the OpenAPI contract (document the status on the route, or fix the response):\n- ${listed.join('\n- ')}` +
        (more > 0 ? `\n... and ${more} more` : ''),
    );
  }

  /** Writes what this test file exercised so far, for the coverage gate of the global teardown. */
  save(): void {
    const run: FileRun = { file: this.file, exercised: [...this.exercised], undocumented: [...this.undocumented] };
    writeFileSync(this.runFile, JSON.stringify(run));
  }
}
