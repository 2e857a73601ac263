/**
 * The error model: a stable `code` per kind of failure, one table from code to HTTP status and
 * title, rendered as RFC 9457 problem+json by the error handler.
 */
export const PROBLEMS = {
  validation_failed: [400, 'Validation failed'],
  malformed_request: [400, 'Malformed request'],
  unauthorized: [401, 'Unauthorized'],
  forbidden: [403, 'Forbidden'],
  not_acceptable: [406, 'Not acceptable'],
  not_found: [404, 'Not found'],
  route_not_found: [404, 'Not found'],
  conflict: [409, 'Conflict'],
  invalid_transition: [409, 'Invalid transition'],
  frozen: [409, 'Frozen'],
  request_timeout: [408, 'Request timeout'],
  precondition_failed: [412, 'Precondition failed'],
  precondition_required: [428, 'Precondition required'],
  payload_too_large: [413, 'Payload too large'],
  unsupported_media_type: [415, 'Unsupported media type'],
  policy_violation: [422, 'Policy violation'],
  invalid_rows: [422, 'Rows not accepted'],
  no_iteration: [422, 'No iteration at that time'],
  override_reason_required: [422, 'Override reason required'],
  idempotency_key_reused: [422, 'Idempotency key reused'],
  idempotency_key_in_use: [409, 'Idempotency key in use'],
  rate_limited: [429, 'Too many requests'],
  headers_too_large: [431, 'Request header fields too large'],
  internal_error: [500, 'Internal server error'],
  not_ready: [503, 'Service unavailable'],
  storage_unavailable: [503, 'Service unavailable'],
  shutting_down: [503, 'Service unavailable'],
  overloaded: [503, 'Service unavailable'],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldError {
  path: string;
  message: string;
  /** The rule the value breaks (`unknown_metric`, `not_finite`, ...), where a caller may branch on it. */
  rule?: string;
}

export interface ProblemOptions {
  /** Extra members of the problem body (e.g. `current_status`, `allowed`). */
  extensions?: Record<string, unknown>;
  errors?: FieldError[];
  /** Overrides the table's status (only for framework 4xx errors passed through as is). */
  status?: number;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly errors?: FieldError[];

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    options: ProblemOptions = {},
  ) {
    super(detail);
    this.status = options.status ?? PROBLEMS[code][0];
    this.title = PROBLEMS[code][1];
    this.extensions = options.extensions ?? {};
    this.errors = options.errors;
  }
}

/**
 * A write refused by a foreign key. SQLite reports `ON DELETE RESTRICT` as SQLITE_CONSTRAINT_TRIGGER
 * and deferred or plain violations as SQLITE_CONSTRAINT_FOREIGNKEY; both carry this message.
 */
export const isForeignKeyViolation = (err: unknown): boolean => {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return true;
  return e?.code === 'SQLITE_CONSTRAINT_TRIGGER' && e.message === 'FOREIGN KEY constraint failed';
};

export const notFound = (entity: string, ref: string) => new ApiError('not_found', `No ${entity} matches '${ref}'.`);

export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new ApiError('conflict', detail, { extensions });

export const forbidden = (detail: string) => new ApiError('forbidden', detail);

export const validationFailed = (errors: FieldError[], detail = 'The request is not valid; see errors[].') =>
  new ApiError('validation_failed', detail, { errors });

export const frozen = (entity: string, status: string) =>
  new ApiError('frozen', `This ${entity} is ${status} and can no longer change.`, {
    extensions: { current_status: status },
  });
