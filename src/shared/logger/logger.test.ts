import { describe, expect, test } from 'vitest';
import { createLogger, subsystemLogger } from './logger.js';

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
});
