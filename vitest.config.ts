import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    // Every response of every test is checked against the served OpenAPI document; a run of the
    // whole suite also fails when a documented status was never answered (see test/contract/).
    globalSetup: ['test/contract/global-setup.ts'],
    setupFiles: ['test/contract/setup.ts'],
  },
});
