import { describe, expect, test } from 'vitest';
import {
  censorSecrets,
  createLogger,
  isSecretKeyName,
  subsystemLogger,
  topLevelSecretNames,
} from './logger.js';

function capture(): { lines: () => Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const written: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => written.push(line) },
  });
  return { lines: () => written.map((line) => JSON.parse(line) as Record<string, unknown>), logger };
}

describe('operator logs', () => {
  test('secrets are censored at the top level, nested, in arrays and in headers', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'p1',
        token: 't1',
        user: { id: 'usr_1', password: 'p2', profile: { secret: 's1', name: 'kept' } },
        attempts: [{ token: 't2' }, { ok: true }],
        headers: { authorization: 'Bearer x', cookie: 'writ_session=y', 'set-cookie': ['z'], accept: '*/*' },
        req: { headers: { authorization: 'Bearer deep' } },
        deep: { a: { b: { c: { rootKey: 'k', rootKeyring: ['k2'] } } } },
      },
      'with secrets',
    );
    const [line] = lines();
    const text = JSON.stringify(line);
    for (const secret of ['p1', 'p2', 't1', 't2', 's1', 'Bearer', 'writ_session', '"z"', 'k2'])
      expect(text).not.toContain(secret);
    expect(line).toMatchObject({
      password: '[redacted]',
      user: { id: 'usr_1', password: '[redacted]', profile: { secret: '[redacted]', name: 'kept' } },
      attempts: [{ token: '[redacted]' }, { ok: true }],
      headers: { authorization: '[redacted]', 'set-cookie': '[redacted]', accept: '*/*' },
      deep: { a: { b: { c: { rootKey: '[redacted]' } } } },
      msg: 'with secrets',
    });
  });

  test('the logged object itself is left as it was', () => {
    const { logger } = capture();
    const logged = { user: { password: 'p1' }, list: [{ token: 't1' }] };
    logger.info(logged, 'not mutated');
    expect(logged).toEqual({ user: { password: 'p1' }, list: [{ token: 't1' }] });
  });

  test('a child logger binding named as a secret is censored', () => {
    const { lines, logger } = capture();
    subsystemLogger(logger, 'writ:http').child({ token: 't1' }).info('bound');
    expect(lines()[0]).toMatchObject({ subsystem: 'writ:http', token: '[redacted]', msg: 'bound' });
  });

  test('an error carrying a secret is still logged as an error, without the secret', () => {
    const { lines, logger } = capture();
    const error = Object.assign(new Error('refused'), { code: 'x.refused', password: 'p1' });
    logger.error({ err: error, context: { error } }, 'failed');
    const [line] = lines();
    expect(line).toMatchObject({ err: { type: 'Error', message: 'refused', code: 'x.refused' } });
    expect(JSON.stringify(line)).not.toContain('p1');
    expect(error.password).toBe('p1');
  });

  test('a request line keeps every field, and a circular object is logged rather than looping', () => {
    const { lines, logger } = capture();
    logger.child({ reqId: 'req_1' }).info({ method: 'GET', route: '/x', status: 200, ms: 1 }, 'done');
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    logger.info({ circular }, 'circular');
    expect(lines()[0]).toMatchObject({ reqId: 'req_1', method: 'GET', route: '/x', status: 200, ms: 1 });
    expect(lines()[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines()[1]).toMatchObject({ circular: { name: 'loop' }, msg: 'circular' });
  });

  test('names that hold a password, token, secret, passphrase, recovery or one-time code are censored; `code` is kept', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        currentPassword: 'p1',
        newPassword: 'p2',
        recoveryCode: 'r1',
        body: { recovery_codes: ['r2'], csrfToken: 'c1', deviceToken: 'd1', totpCode: 't1', otp: 't2' },
        headers: { 'x-csrf-token': 'c2', 'X-Api-Token': 'a1', accept: '*/*' },
        vault: { keyPassphrase: 'k1', SECRET_KEY: 'k2' },
        code: 'sharing.link_expired',
        errorCode: 'identity.reset_failed',
      },
      'request refused',
    );
    const [line] = lines();
    for (const secret of ['p1', 'p2', 'r1', 'r2', 'c1', 'c2', 'd1', 't1', 't2', 'a1', 'k1', 'k2'])
      expect(JSON.stringify(line)).not.toContain(`"${secret}"`);
    expect(line).toMatchObject({
      currentPassword: '[redacted]',
      newPassword: '[redacted]',
      recoveryCode: '[redacted]',
      body: { recovery_codes: '[redacted]', csrfToken: '[redacted]', totpCode: '[redacted]' },
      headers: { 'x-csrf-token': '[redacted]', 'X-Api-Token': '[redacted]', accept: '*/*' },
      code: 'sharing.link_expired',
      errorCode: 'identity.reset_failed',
      msg: 'request refused',
    });
  });

  test('child logger bindings with the usual secret names are censored, and each such name matches the rule', () => {
    const { lines, logger } = capture();
    logger
      .child({ csrfToken: 'c1', 'x-csrf-token': 'c2', newPassword: 'p1', recoveryCode: 'r1' })
      .info('bound');
    expect(lines()[0]).toMatchObject({
      csrfToken: '[redacted]',
      'x-csrf-token': '[redacted]',
      newPassword: '[redacted]',
      recoveryCode: '[redacted]',
    });
    expect(topLevelSecretNames.filter((name) => !isSecretKeyName(name))).toEqual([]);
  });

  test('an object without secrets is logged as the same object, not a copy', () => {
    const logged = { code: 'x.refused', status: 404, route: '/x', nested: { items: [{ id: 'doc_1' }] } };
    expect(censorSecrets(logged, isSecretKeyName)).toBe(logged);
  });

  test('secrets are still censored after a flood of distinct property names', () => {
    const { lines, logger } = capture();
    for (let batch = 0; batch < 5; batch += 1)
      logger.info(
        { headers: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`x-h-${batch}-${i}`, 'v'])) },
        'flood',
      );
    logger.info({ headers: { 'x-csrf-token': 'c1', 'x-h-0-1': 'kept' } }, 'after');
    expect(lines()[5]).toMatchObject({ headers: { 'x-csrf-token': '[redacted]', 'x-h-0-1': 'kept' } });
  });
});
