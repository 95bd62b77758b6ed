import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';

describe('loadConfig', () => {
  it('gives working defaults for a fresh clone', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      STORAGE_DRIVER: 'local',
      MAX_FILE_BYTES: 4 * 1024 ** 3,
      MAX_FILES_PER_TIP: 10,
      LOG_LEVEL: 'info',
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_TIPS_PER_HOUR: 30,
    });
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

  it('mail: no SMTP relay and a local sender by default; smtp:// and smtps:// URLs accepted', () => {
    const config = loadConfig({});
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.MAIL_FROM).toBe('tipdesk <no-reply@localhost>');
    // docker-compose passes unset settings through as empty strings.
    expect(loadConfig({ MAIL_FROM: '', SMTP_URL: '', PAYER_SORT_CODE: '', SEPA_DEBTOR_IBAN: '' })).toMatchObject({
      MAIL_FROM: 'tipdesk <no-reply@localhost>',
      SMTP_URL: undefined,
      PAYER_SORT_CODE: undefined,
      SEPA_DEBTOR_IBAN: undefined,
    });
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' }).SMTP_URL).toBe('smtp://127.0.0.1:2525');
    expect(loadConfig({ SMTP_URL: 'smtps://user:pw@mail.example.com:465', MAIL_FROM: 'desk@example.com' }).MAIL_FROM).toBe('desk@example.com');
  });

  it.each([
    [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://' }, 'SMTP_URL'],
    [{ SMTP_URL: 'mail.example.com:25' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'not an address' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'Desk <desk@example.com>\r\nBcc: x@evil.test' }, 'MAIL_FROM'],
  ])('refuses mail setting %j, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('never repeats an SMTP URL (it may hold a password) in its message', () => {
    expect(() => loadConfig({ SMTP_URL: 'ftp://user:hunter2@mail' })).toThrow(/SMTP_URL=\(hidden\)/);
    expect(() => loadConfig({ SMTP_URL: 'ftp://user:hunter2@mail' })).not.toThrow(/hunter2/);
  });

  it('never repeats a secret value in its message', () => {
    expect(() => loadConfig({ ENCRYPTION_KEY: 'hunter2hunter2' })).toThrow(/ENCRYPTION_KEY=\(hidden\)/);
    expect(() => loadConfig({ ENCRYPTION_KEY: 'hunter2hunter2' })).not.toThrow(/hunter2/);
  });

  it.each([
    [{ PAYER_NAME: 'A NAME LONGER THAN EIGHTEEN' }, 'PAYER_NAME'],
    [{ PAYER_NAME: 'Daily <News>' }, 'PAYER_NAME'],
    [{ PAYER_SORT_CODE: '20-00-00' }, 'PAYER_SORT_CODE'],
    [{ PAYER_SORT_CODE: '20000' }, 'PAYER_SORT_CODE'],
    [{ PAYER_ACCOUNT_NUMBER: '1234567' }, 'PAYER_ACCOUNT_NUMBER'],
    [{ PAYER_ACCOUNT_NUMBER: '1234567x' }, 'PAYER_ACCOUNT_NUMBER'],
    [{ BACS_SERVICE_USER_NUMBER: '12345' }, 'BACS_SERVICE_USER_NUMBER'],
    [{ SEPA_DEBTOR_NAME: 'Daily News <Ltd>' }, 'SEPA_DEBTOR_NAME'],
    [{ SEPA_DEBTOR_IBAN: 'GB00BUKB20201555555555' }, 'SEPA_DEBTOR_IBAN'],
    [{ SEPA_DEBTOR_IBAN: 'not an iban' }, 'SEPA_DEBTOR_IBAN'],
    [{ SEPA_DEBTOR_BIC: 'BUKB' }, 'SEPA_DEBTOR_BIC'],
  ])('refuses payer setting %j, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('gives the paying account from the environment (the paper settings page overrides it)', () => {
    const config = loadConfig({
      PAYER_NAME: 'DAILY NEWS LTD',
      PAYER_SORT_CODE: '200000',
      PAYER_ACCOUNT_NUMBER: '55779911',
      BACS_SERVICE_USER_NUMBER: '123456',
      SEPA_DEBTOR_NAME: 'Daily News Ltd',
      SEPA_DEBTOR_IBAN: 'GB33BUKB20201555555555',
      SEPA_DEBTOR_BIC: 'BUKBGB22',
    });
    expect(config.payer).toEqual({
      name: 'DAILY NEWS LTD',
      sortCode: '200000',
      accountNumber: '55779911',
      serviceUserNumber: '123456',
      sepaDebtorName: 'Daily News Ltd',
      sepaDebtorIban: 'GB33BUKB20201555555555',
      sepaDebtorBic: 'BUKBGB22',
    });
  });

  it.each([
    [{ DESK_TIME_ZONE: 'Mars/Olympus_Mons' }, 'DESK_TIME_ZONE'],
    [{ DESK_DATE_STYLE: 'american' }, 'DESK_DATE_STYLE'],
    [{ PAPER_CONTACT_EMAIL: 'not an address' }, 'PAPER_CONTACT_EMAIL'],
    [{ PAPER_CONTACT_PHONE: 'call us' }, 'PAPER_CONTACT_PHONE'],
    [{ PAPER_NAME: 'Two\nlines' }, 'PAPER_NAME'],
  ])('refuses paper default %j, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('takes the paper defaults an automated deployment sets', () => {
    const config = loadConfig({
      PAPER_NAME: 'The Daily Bugle',
      DESK_TIME_ZONE: 'Europe/Dublin',
      DESK_DATE_STYLE: 'iso',
      PAPER_CONTACT_PHONE: '+44 20 7946 0000',
    });
    expect([config.PAPER_NAME, config.DESK_TIME_ZONE, config.DESK_DATE_STYLE, config.PAPER_CONTACT_PHONE]).toEqual([
      'The Daily Bugle',
      'Europe/Dublin',
      'iso',
      '+44 20 7946 0000',
    ]);
  });
});

describe('channel settings', () => {
  it('are off by default, with a 50 MB mail limit, the Graph API URL and a 24-hour WhatsApp window', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      INBOUND_EMAIL_TOKEN: undefined,
      INBOUND_SMTP_PORT: undefined,
      INBOUND_EMAIL_MAX_BYTES: 50 * 1024 * 1024,
      WHATSAPP_VERIFY_TOKEN: undefined,
      WHATSAPP_CONVERSATION_HOURS: 24,
    });
    expect(config.WHATSAPP_GRAPH_URL).toBe('https://graph.facebook.com/v21.0');
    expect(config.inboundEmailAddresses).toEqual([]);
  });
  it('never echoes a token it refuses', () => {
    expect(() => loadConfig({ INBOUND_EMAIL_TOKEN: 'sekrit' })).toThrow('INBOUND_EMAIL_TOKEN=(hidden)');
    expect(() => loadConfig({ INBOUND_EMAIL_TOKEN: 'sekrit' })).not.toThrow(/sekrit/);
  });
  it('reads the inbound addresses as a lower-cased list', () => {
    expect(loadConfig({ INBOUND_EMAIL_ADDRESSES: 'Tips@Paper.example, news@paper.example' }).inboundEmailAddresses).toEqual([
      'tips@paper.example',
      'news@paper.example',
    ]);
  });
  it.each([
    [{ INBOUND_EMAIL_TOKEN: 'short' }, 'INBOUND_EMAIL_TOKEN'],
    [{ INBOUND_SMTP_PORT: '70000' }, 'INBOUND_SMTP_PORT'],
    [{ INBOUND_EMAIL_ADDRESSES: 'not an address' }, 'INBOUND_EMAIL_ADDRESSES'],
    [{ WHATSAPP_GRAPH_URL: 'ftp://graph' }, 'WHATSAPP_GRAPH_URL'],
    [{ WHATSAPP_PHONE_NUMBER_ID: '12ab' }, 'WHATSAPP_PHONE_NUMBER_ID'],
    [{ WHATSAPP_CONVERSATION_HOURS: '0' }, 'WHATSAPP_CONVERSATION_HOURS'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => loadConfig(env as Record<string, string>)).toThrow(name);
  });
});

describe('BANK_HOLIDAYS', () => {
  it('reads comma-separated dates', () => {
    expect(loadConfig({ BANK_HOLIDAYS: '2028-01-03, 2028-04-14' }).bankHolidays).toEqual(['2028-01-03', '2028-04-14']);
    expect(loadConfig({}).bankHolidays).toEqual([]);
  });
  it.each(['2028-02-30', '03/01/2028', '2028-01-03;2028-04-14', 'soon'])('refuses %j, naming BANK_HOLIDAYS', (value) => {
    expect(() => loadConfig({ BANK_HOLIDAYS: value })).toThrow('BANK_HOLIDAYS');
  });
});

describe('virus scanning settings', () => {
  it('are off by default (no CLAMAV_HOST), with clamd port 3310, a 120 s silence limit and 2 GiB', () => {
    expect(loadConfig({})).toMatchObject({ CLAMAV_PORT: 3310, CLAMAV_TIMEOUT_SECONDS: 120, CLAMAV_MAX_BYTES: 2 * 1024 ** 3 });
    expect(loadConfig({}).CLAMAV_HOST).toBeUndefined();
    expect(loadConfig({ CLAMAV_HOST: 'clamav', CLAMAV_PORT: '3311', CLAMAV_MAX_BYTES: '1048576' })).toMatchObject({
      CLAMAV_HOST: 'clamav',
      CLAMAV_PORT: 3311,
      CLAMAV_MAX_BYTES: 1048576,
    });
  });
  it.each([
    [{ CLAMAV_HOST: 'clam av' }, 'CLAMAV_HOST'],
    [{ CLAMAV_PORT: '0' }, 'CLAMAV_PORT'],
    [{ CLAMAV_TIMEOUT_SECONDS: '0' }, 'CLAMAV_TIMEOUT_SECONDS'],
    [{ CLAMAV_MAX_BYTES: 'lots' }, 'CLAMAV_MAX_BYTES'],
  ])('refuses %j, naming %s', (env, name) => {
    expect(() => loadConfig(env as Record<string, string>)).toThrow(name);
  });
});
