import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';

describe('loadConfig', () => {
  it('gives working defaults for a fresh clone', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, STORAGE_DRIVER: 'local', MAX_FILE_BYTES: 4 * 1024 ** 3, MAX_FILES_PER_TIP: 10, LOG_LEVEL: 'info', TRUST_PROXY: 'loopback', RATE_LIMIT_TIPS_PER_HOUR: 30 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.dataDir).toMatch(/\.tipdesk$/);
  });

  it('converts types and ignores unrelated variables', () => {
    const config = loadConfig({ PORT: '8080', S3_FORCE_PATH_STYLE: 'true', PUBLIC_BASE_URL: 'https://tips.example.com/', HOME: '/root' });
    expect(config.PORT).toBe(8080);
    expect(config.S3_FORCE_PATH_STYLE).toBe(true);
    expect(config.publicBaseUrl).toBe('https://tips.example.com');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ STORAGE_DRIVER: 'ftp' }, 'STORAGE_DRIVER'],
    [{ STORAGE_DRIVER: 's3' }, 'S3_BUCKET'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ MAX_FILE_BYTES: '-1' }, 'MAX_FILE_BYTES'],
    [{ MAX_FILES_PER_TIP: '0' }, 'MAX_FILES_PER_TIP'],
    [{ ENCRYPTION_KEY: 'short' }, 'ENCRYPTION_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ S3_FORCE_PATH_STYLE: 'perhaps' }, 'S3_FORCE_PATH_STYLE'],
    [{ PUBLIC_BASE_URL: 'tips.example.com' }, 'PUBLIC_BASE_URL'],
    [{ STORAGE_DRIVER: 's3', S3_BUCKET: 'media', MAX_FILE_BYTES: String(6 * 1024 ** 3) }, 'MAX_FILE_BYTES'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('never repeats a secret value in its message', () => {
    expect(() => loadConfig({ ENCRYPTION_KEY: 'hunter2hunter2' })).toThrow(/ENCRYPTION_KEY=\(hidden\)/);
    expect(() => loadConfig({ ENCRYPTION_KEY: 'hunter2hunter2' })).not.toThrow(/hunter2/);
  });
});
