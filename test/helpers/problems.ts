import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ProblemSchema } from '../../src/http/schemas';

export type Problem = ReturnType<typeof ProblemSchema.parse>;

/**
 * Asserts an RFC 9457 problem response with the given status and code, whose request_id is the
 * X-Request-Id header of the same response; returns the parsed body for further checks.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): Problem {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = ProblemSchema.parse(res.json());
  expect(body).toMatchObject({ status, code, type: expect.stringContaining(code.replaceAll('_', '-')) });
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(0);
  expect(body.request_id).toBe(res.headers['x-request-id']);
  return body;
}

/** The field paths named by a validation problem. */
export const errorPaths = (problem: Problem): string[] => (problem.errors ?? []).map((e) => e.path);
