import pino, { type DestinationStream, type Logger } from 'pino';

const SECRET_QUERY = /([?&]access_token=)[^&]*/gi;

/** Request URLs as logged: an access token passed in the query string never reaches the logs. */
export const redactUrl = (url: string): string => url.replace(SECRET_QUERY, '$1[redacted]');

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
