import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';

describe('settings', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      HOST: '127.0.0.1',
      PORT: 3000,
      DATABASE_PATH: './data/roadworks.sqlite',
      LOG_LEVEL: 'info',
      DB_SYNCHRONOUS: 'FULL',
      BODY_LIMIT_BYTES: 1_048_576,
      SHUTDOWN_DRAIN_MS: 1000,
      CHECKIN_INTERVAL_DAYS: 7,
      READ_CACHE_MB: 16,
      DB_CACHE_MB: 2,
    });
    expect(loadConfig({}).ADMIN_API_KEY).toBeUndefined();
  });

  it('accepts enum values in any case, and treats empty values as unset', () => {
    expect(loadConfig({ LOG_LEVEL: 'WARN', DB_SYNCHRONOUS: 'normal', PORT: '' })).toMatchObject({ LOG_LEVEL: 'warn', DB_SYNCHRONOUS: 'NORMAL', PORT: 3000 });
  });

  it('names every bad setting in one message', () => {
    const attempt = () => loadConfig({ PORT: '70000', ADMIN_API_KEY: 'short', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(/^Invalid configuration/);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    for (const name of ['PORT', 'ADMIN_API_KEY', 'LOG_LEVEL']) expect(message).toContain(name);
  });
});
