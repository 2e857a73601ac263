import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app';

/** Requests Node cannot parse never reach a route; they must still get a problem with a request id. */
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await makeApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(() => t.close());

function rawExchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8').on('data', (c: string) => (received += c));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
    socket.setTimeout(3000, () => socket.destroy(new Error('no answer within 3 s')));
  });
}

describe('unparseable HTTP', () => {
  it.each([
    ['an oversized request line', `GET /v1/initiatives?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'headers_too_large'],
    ['a broken request line', 'THIS IS NOT HTTP\r\n\r\n', 400, 'malformed_request'],
    ['a non-numeric Content-Length', 'POST /v1/teams HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'malformed_request'],
  ])('%s is a %i problem with a request id', async (_label, text, status, code) => {
    const response = await rawExchange(text);
    const [head = '', body = ''] = response.split('\r\n\r\n');
    expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toMatch(/^content-type: application\/problem\+json$/im);
    const id = /^x-request-id: ([0-9a-f-]{36})$/im.exec(head)?.[1];
    expect(id).toBeDefined();
    expect(JSON.parse(body)).toMatchObject({ status, code, request_id: id });
  });
});
