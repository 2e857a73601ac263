import { subscribe } from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, expect, inject } from 'vitest';
import { ContractLog } from './recorder';

/**
 * Runs in every test file (vitest setupFiles): Fastify announces each instance it creates on the
 * `fastify.initialization` diagnostics channel, so every app a test builds, through makeApp or
 * buildApp, gets the contract check before its routes exist. A test whose responses break the
 * contract fails in its afterEach; responses of beforeAll/afterAll code fail the file's afterAll.
 */

const dir = inject('contractDir');
if (dir) {
  const log = new ContractLog(dir, expect.getState().testPath ?? '');
  // Saved at once too, so that a file whose tests are all skipped still counts as run.
  log.save();
  subscribe('fastify.initialization', (message) => log.observe((message as { fastify: FastifyInstance }).fastify));
  afterEach(() => log.assertKept());
  // Registered first, so it runs after the file's own afterAll hooks (vitest runs after-hooks in reverse).
  afterAll(() => {
    log.save();
    log.assertKept();
  });
}
