import { ApiError } from './problems';

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Request bodies are UTF-8. Bytes that are not valid UTF-8 are refused rather than replaced with
 * U+FFFD, so nothing is ever stored altered from what the client sent. A leading BOM is dropped.
 */
export function decodeUtf8(body: Buffer, what = 'The body'): string {
  try {
    return strict.decode(body);
  } catch {
    throw new ApiError('malformed_request', `${what} is not valid UTF-8; send the text encoded as UTF-8.`);
  }
}
