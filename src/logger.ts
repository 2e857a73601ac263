import pino, { type DestinationStream, type Logger } from 'pino';

const SECRET_PARAMS = new Set(['access_token']);

const decodeName = (name: string): string => {
  try {
    return decodeURIComponent(name.replaceAll('+', ' ')).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
};

/**
 * Request URLs as logged: an access token passed in the query string never reaches the logs.
 * Names are compared decoded, as the query parser sees them (`access%5Ftoken` is `access_token`).
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return SECRET_PARAMS.has(decodeName(name)) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q + 1)}${params.join('&')}`;
}

/**
 * Standard output, written asynchronously: lines logged while a write is under way go out together
 * in the next one, so a busy server makes one write system call per batch instead of one per
 * request, and an idle one still writes each line at once. pino flushes what is left on exit; a
 * SIGKILL can lose the lines of the last few milliseconds, never a write to the database.
 */
export const stdoutDestination = (): DestinationStream => pino.destination({ dest: 1, sync: false });

/** JSON-lines logs. Credentials are redacted wherever they could appear. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.access_token', 'headers.authorization', 'authorization', 'secret'],
        censor: '[redacted]',
      },
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), remote_address: req.ip }),
        res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  );
}
