import { loadPolicyEngine } from '../src/modules/access/access.policy.js';
import { randomBytes } from 'node:crypto';
import { createTestDocumentsDependencies } from '../test/support/documents.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';
import { migrateToLatest } from '../src/migrations/migrations.js';
import type { WritDatabase } from '../src/modules/database.js';
import { createUserBySystem } from '../src/modules/identity/identity.admin.usecases.js';
import type { IdentityDependencies } from '../src/modules/identity/identity.dependencies.js';
import {
  createArgon2PasswordHasher,
  defaultArgon2Parameters,
} from '../src/modules/identity/identity.passwords.js';
import { authenticateSession, startSession } from '../src/modules/identity/identity.sessions.usecases.js';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../src/modules/identity/identity.totp.usecases.js';
import { createLedger } from '../src/modules/ledger/ledger.usecases.js';
import { createKeyedHasher, createSecretBox } from '../src/modules/vault/vault.secret-box.js';
import { buildHttpApp } from '../src/runtime/http/http-app.js';
import { createHttpMetrics } from '../src/runtime/http/metrics.js';
import { createTestClock } from '../src/shared/clock/clock.test-utils.js';
import { openDatabase } from '../src/shared/db/database.js';
import { createLogger } from '../src/shared/logger/logger.js';
import type { BenchmarkReport } from './run.js';

/*
 * Complete sign-ins per second (POST /api/session with a password, then POST /api/session/second-factor with
 * a TOTP code) through the whole Fastify app in this process (app.inject: routes, hooks, schemas, cookies,
 * the real use-cases on an SQLite file with synchronous=FULL), with Writ's default Argon2id parameters.
 * The baseline, measured in the same run with the same concurrency, is the Argon2id verification alone: the
 * ratio is the share of a sign-in's cost that is the hash, and the target is that the rest costs at most 20 %.
 * Each sign-in is a different user, since one TOTP code is accepted once: users and their authenticators are
 * enrolled first through the use-cases, and the clock (injected) then moves two steps on, so that every
 * sign-in presents a code never used.
 */

const ratioMin = 0.8;
const password = 'correct horse battery staple';

function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`[bench:login] ${line}\n`);
}

/** Runs `task(index)` for indexes 0..count-1, `concurrency` at a time; returns the wall time and each duration. */
async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<{ seconds: number; durationsMs: number[] }> {
  let next = 0;
  const durationsMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < count; index = next++) {
        const taskStart = performance.now();
        await task(index);
        durationsMs.push(performance.now() - taskStart);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, durationsMs };
}

function percentile(values: number[], quantile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0) * 10) / 10
  );
}

function cookiesOf(response: LightMyRequestResponse): string {
  const raw = response.headers['set-cookie'];
  const headers = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return headers.map((header) => header.split(';')[0] ?? '').join('; ');
}

function expectStatus(response: LightMyRequestResponse, status: number, what: string): void {
  if (response.statusCode !== status)
    throw new Error(`${what} answered ${response.statusCode}: ${response.body}`);
}

/** One complete sign-in as the web client does it; the session it ends with is fully signed in. */
async function signIn(
  app: FastifyInstance,
  user: { username: string; secret: string },
  epoch: number,
): Promise<void> {
  const first = await app.inject({
    method: 'POST',
    url: '/api/session',
    remoteAddress: '127.0.0.1',
    payload: { username: user.username, password },
  });
  expectStatus(first, 200, 'POST /api/session');
  const { csrfToken } = first.json<{ csrfToken: string }>();
  const second = await app.inject({
    method: 'POST',
    url: '/api/session/second-factor',
    remoteAddress: '127.0.0.1',
    headers: { cookie: cookiesOf(first), 'x-csrf-token': csrfToken },
    payload: { method: 'totp', code: await generate({ secret: user.secret, epoch }) },
  });
  expectStatus(second, 200, 'POST /api/session/second-factor');
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const count = readPositiveInteger('BENCH_LOGIN_COUNT', 120);
  const concurrency = readPositiveInteger('BENCH_LOGIN_CONCURRENCY', 4);
  const warmup = readPositiveInteger('BENCH_LOGIN_WARMUP', 8);

  const dataDir = mkdtempSync(join(tmpdir(), 'writ-bench-login-'));
  const database = await openDatabase<WritDatabase>({ dialect: 'sqlite', path: join(dataDir, 'writ.db') });
  await migrateToLatest(database.db);
  const clock = createTestClock({ now: new Date() });
  const installationKey = randomBytes(32);
  const passwordHasher = createArgon2PasswordHasher(defaultArgon2Parameters);
  const identity: IdentityDependencies = {
    db: database.db,
    clock,
    passwordHasher,
    ledger: createLedger({ clock }),
    secretBox: createSecretBox({ key: installationKey }),
    keyedHasher: createKeyedHasher({ key: installationKey }),
    settings: {
      sessionIdleMinutes: 30,
      sessionAbsoluteHours: 12,
      stepUpMinutes: 10,
      mfaRequiredRoles: ['admin', 'lawyer', 'assistant', 'process_server', 'auditor'],
      signInMaxFailures: 5,
      signInLockoutMinutes: 15,
      invitationTtlHours: 72,
    },
    policy: loadPolicyEngine(),
    publicUrl: 'https://localhost:8443',
  };
  const app = await buildHttpApp({
    config: {
      jsonBodyLimitBytes: 65536,
      rateLimitPerMinute: 10_000_000,
      behindTlsProxy: false,
      trustedProxies: [],
    },
    logger: createLogger({ level: 'silent' }),
    tls: undefined,
    db: database.db,
    clock,
    identity,
    documents: createTestDocumentsDependencies({ db: database.db, clock }),
    metrics: createHttpMetrics(),
    metricsToken: undefined,
    checkReadiness: () => Promise.resolve(true),
    version: 'bench',
  });

  try {
    const total = count + warmup;
    log(
      `enrolling ${total} lawyers with an authenticator app (Argon2id ${JSON.stringify(defaultArgon2Parameters)})`,
    );
    // Every account gets the same hash, made once: what is measured is verifying it, not enrolling.
    const passwordHash = await passwordHasher.hash(password);
    const fixedHasher = { hash: () => Promise.resolve(passwordHash) };
    const users: { username: string; secret: string }[] = [];
    for (let index = 0; index < total; index += 1) {
      const { user } = await createUserBySystem({
        ...identity,
        passwordHasher: fixedHasher,
        username: `bench-lawyer-${index}`,
        role: 'lawyer',
        password,
      });
      const { token } = await startSession({
        ...identity,
        userId: user.id,
        method: 'password',
        isSecondFactorVerified: false,
        device: { userAgent: 'bench', clientAddress: '127.0.0.1' },
      });
      const principal = (await authenticateSession({ ...identity, token }))?.principal;
      if (principal === undefined) throw new Error('enrolment session did not authenticate');
      const { otpauthUri } = await beginTotpEnrolment({ ...identity, principal });
      const secret = new URL(otpauthUri).searchParams.get('secret') ?? '';
      const code = await generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) });
      await confirmTotpEnrolment({ ...identity, principal, code, clientAddress: '127.0.0.1' });
      users.push({ username: user.username, secret });
    }
    clock.advanceBy({ seconds: 60 });
    const epoch = Math.floor(clock.now().getTime() / 1000);

    const measureArgon2 = async (label: string) => {
      const { seconds } = await runConcurrently(count, concurrency, async () => {
        if (!(await passwordHasher.verify(passwordHash, password)))
          throw new Error('argon2 verification failed');
      });
      log(
        `${label}: ${count} Argon2id verifications, ${concurrency} at a time: ${(count / seconds).toFixed(2)}/s`,
      );
      return count / seconds;
    };

    const userAt = (index: number) => {
      const user = users[index];
      if (user === undefined) throw new Error(`no user ${index}`);
      return user;
    };
    await runConcurrently(warmup, concurrency, (index) => signIn(app, userAt(count + index), epoch));
    const before = await measureArgon2('baseline before');
    const login = await runConcurrently(count, concurrency, (index) => signIn(app, userAt(index), epoch));
    const after = await measureArgon2('baseline after');
    const signInsPerSecond = count / login.seconds;
    const argon2PerSecond = (before + after) / 2;
    const ratio = Math.round((signInsPerSecond / argon2PerSecond) * 1000) / 1000;
    log(
      `sign-ins (password + TOTP): ${signInsPerSecond.toFixed(2)}/s, p50 ${percentile(login.durationsMs, 0.5)} ms, ` +
        `p99 ${percentile(login.durationsMs, 0.99)} ms`,
    );
    log(`ratio ${ratio}, target >= ${ratioMin}: ${ratio >= ratioMin ? 'met' : 'NOT met'}`);

    return {
      bench: 'login',
      transport: 'in-process (app.inject)',
      settings: {
        count,
        concurrency,
        warmup,
        argon2: defaultArgon2Parameters,
        database: 'sqlite (synchronous=FULL)',
      },
      metrics: {
        sign_ins_per_second: Math.round(signInsPerSecond * 100) / 100,
        sign_in_p50_ms: percentile(login.durationsMs, 0.5),
        sign_in_p99_ms: percentile(login.durationsMs, 0.99),
      },
      baseline: {
        argon2id_verifications_per_second: Math.round(argon2PerSecond * 100) / 100,
        before_per_second: Math.round(before * 100) / 100,
        after_per_second: Math.round(after * 100) / 100,
      },
      ratios: { sign_ins_vs_argon2id: ratio },
      target: { ratio_min: ratioMin, is_met: ratio >= ratioMin },
    };
  } finally {
    await app.close();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
