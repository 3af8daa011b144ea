import type { AuthContext, KeyboardAuthContext, PublicKeyAuthContext } from 'ssh2';
import type { IdentityDependencies } from '../../modules/identity/identity.dependencies.js';
import type { Principal } from '../../modules/identity/identity.models.js';
import { verifySecondFactor } from '../../modules/identity/identity.second-factor.usecases.js';
import { signInWithPassword } from '../../modules/identity/identity.sign-in.usecases.js';
import {
  isSshKeyAccepted,
  signInWithSshKey,
  type SshSignIn,
} from '../../modules/identity/identity.ssh-keys.usecases.js';
import type { Logger } from '../../shared/logger/logger.js';

export type SftpIdentityDeps = Pick<
  IdentityDependencies,
  'db' | 'clock' | 'ledger' | 'passwordHasher' | 'keyedHasher' | 'secretBox' | 'settings'
>;

export type SftpConnectionInfo = { clientAddress: string; clientSoftware: string };

type IdentityLedger = SftpIdentityDeps['ledger'];

function toPrincipal(signIn: SshSignIn, secondFactorAt: Date | undefined): Principal {
  return {
    userId: signIn.userId,
    role: signIn.role,
    via: 'session',
    sessionId: signIn.sessionId,
    apiTokenId: undefined,
    secondFactorAt,
    scopes: undefined,
  };
}

/**
 * The ledger as `isSshKeyAccepted` of one connection sees it: its first refused key query is recorded, the
 * later ones only counted. Clients offer each key they hold, and an unauthenticated client could offer
 * random ones: the ledger is permanent, and must not grow by one entry per key.
 * @NOTE Only for `isSshKeyAccepted`, whose one append is that refusal and whose entry id nobody reads.
 */
function recordFirstUnknownKeyOnly(ledger: IdentityLedger) {
  let unrecorded = 0;
  let hasRecorded = false;
  const filtered: IdentityLedger = {
    append: (args) => {
      const { event } = args;
      const isUnknownKey =
        event.kind === 'identity.sign_in_failed' && event.data.reason === 'unknown_ssh_key';
      if (isUnknownKey && hasRecorded) {
        unrecorded += 1;
        return Promise.resolve({ entryId: '' });
      }
      if (isUnknownKey) hasRecorded = true;
      return ledger.append(args);
    },
  };
  return { ledger: filtered, unrecorded: () => unrecorded };
}

/** The client's answers to the verification-code prompt; undefined when it abandoned the prompt or left. */
function promptVerificationCode(
  ctx: KeyboardAuthContext,
  signal: AbortSignal,
): Promise<string[] | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    const onClosed = () => {
      resolve(undefined);
    };
    signal.addEventListener('abort', onClosed, { once: true });
    // ssh2 calls back with an Error when the client sends a new request instead of an answer.
    ctx.prompt([{ prompt: 'Verification code: ', echo: false }], 'Writ', (responses: unknown) => {
      signal.removeEventListener('abort', onClosed);
      resolve(Array.isArray(responses) ? (responses as string[]) : undefined);
    });
  });
}

/**
 * The SSH authentication of one connection: a first factor (a registered public key or the password),
 * then, when the account has a second factor (or its role requires one), a TOTP code through
 * keyboard-interactive. Every decision is identity's: throttling, lockout, events, TOTP replay.
 *
 * Refused attempts are counted, as OpenSSH's MaxAuthTries does (a key query without signature too; only the
 * client's first `none`, which asks for the methods, is free); at `maxAttempts` the connection is ended.
 * `none`, `hostbased` and keyboard-interactive before a first factor carry no credential: they are counted
 * and logged, not recorded on the ledger.
 */
export function createSftpAuthenticator({
  identity,
  connection,
  logger,
  maxAttempts,
  signal,
  admit,
  endConnection,
}: {
  identity: SftpIdentityDeps;
  connection: SftpConnectionInfo;
  logger: Logger;
  maxAttempts: number;
  /** Aborted when the connection closes: a pending prompt stops waiting. */
  signal: AbortSignal;
  /** Takes a signed-in principal; false when the server refuses it (too many connections of the user). */
  admit: (principal: Principal) => boolean;
  endConnection: () => void;
}) {
  let firstFactor: { username: string; signIn: SshSignIn } | undefined;
  let refusals = 0;
  let hasAskedMethods = false;
  const keyQueries = recordFirstUnknownKeyOnly(identity.ledger);
  const device = {
    userAgent: `SFTP ${connection.clientSoftware}`.slice(0, 200),
    clientAddress: connection.clientAddress,
  };
  signal.addEventListener(
    'abort',
    () => {
      if (keyQueries.unrecorded() > 0) {
        logger.info(
          { clientAddress: connection.clientAddress, unrecordedKeyQueries: keyQueries.unrecorded() },
          'sftp connection offered unknown keys beyond the first recorded one',
        );
      }
    },
    { once: true },
  );

  const methodsLeft = () =>
    (firstFactor === undefined ? ['publickey', 'password'] : ['keyboard-interactive']) as never;
  const isExhausted = () => refusals >= maxAttempts;

  const refuse = (ctx: AuthContext) => {
    refusals += 1;
    if (isExhausted()) {
      // As OpenSSH: the last refusal is the disconnect, so a pipelining client has no next attempt to send.
      logger.info(
        { clientAddress: connection.clientAddress, attempts: refusals },
        'sftp connection ended: too many authentication attempts',
      );
      endConnection();
      return;
    }
    try {
      ctx.reject(methodsLeft());
    } catch {
      // The client went away meanwhile.
    }
  };

  const signedIn = (ctx: AuthContext, principal: Principal) => {
    if (signal.aborted) return;
    if (!admit(principal)) {
      logger.warn({ userId: principal.userId }, 'sftp sign-in refused: too many connections of this user');
      ctx.reject([]);
      endConnection();
      return;
    }
    ctx.accept();
  };

  const finishFirstFactor = (ctx: AuthContext, signIn: SshSignIn) => {
    if (
      signIn.isEnrolmentRequired ||
      (signIn.isSecondFactorRequired && !signIn.availableFactors.includes('totp'))
    ) {
      // The role requires a factor SFTP can check (TOTP): enrol it on the web first.
      refusals += 1;
      ctx.reject([]);
      return;
    }
    if (signIn.isSecondFactorRequired) {
      firstFactor = { username: ctx.username, signIn };
      ctx.reject(['keyboard-interactive'], true);
      return;
    }
    signedIn(ctx, toPrincipal(signIn, undefined));
  };

  const queryKey = async (ctx: PublicKeyAuthContext) => {
    const isAccepted = await isSshKeyAccepted({
      ...identity,
      ledger: keyQueries.ledger,
      username: ctx.username,
      keyBlob: ctx.key.data,
      clientAddress: connection.clientAddress,
    });
    if (isAccepted) ctx.accept();
    else refuse(ctx);
  };

  const verifyCode = async (ctx: KeyboardAuthContext, signIn: SshSignIn) => {
    const answers = await promptVerificationCode(ctx, signal);
    if (signal.aborted) return;
    if (answers === undefined) {
      // Abandoned for another request: no code was tried, but the prompt was an attempt.
      refuse(ctx);
      return;
    }
    const { secondFactorAt } = await verifySecondFactor({
      ...identity,
      principal: toPrincipal(signIn, undefined),
      method: 'totp',
      code: (answers[0] ?? '').trim(),
      purpose: 'sign_in',
      clientAddress: connection.clientAddress,
    });
    signedIn(ctx, toPrincipal(signIn, secondFactorAt));
  };

  const handle = async (ctx: AuthContext): Promise<void> => {
    if (ctx.method === 'publickey' && firstFactor === undefined) {
      if (ctx.signature === undefined || ctx.blob === undefined) {
        await queryKey(ctx);
        return;
      }
      const signIn = await signInWithSshKey({
        ...identity,
        username: ctx.username,
        device,
        keyBlob: ctx.key.data,
        signedData: ctx.blob,
        signature: ctx.signature,
        hashAlgorithm: ctx.hashAlgo,
      });
      finishFirstFactor(ctx, signIn);
      return;
    }
    if (ctx.method === 'password' && firstFactor === undefined) {
      const result = await signInWithPassword({
        ...identity,
        username: ctx.username,
        password: ctx.password,
        device,
      });
      const { user } = result.description;
      finishFirstFactor(ctx, {
        userId: user.id,
        role: user.role,
        sessionId: result.session.id,
        isSecondFactorRequired: result.description.isSecondFactorRequired,
        isEnrolmentRequired: result.description.isEnrolmentRequired,
        availableFactors: result.description.availableFactors,
      });
      return;
    }
    if (
      ctx.method === 'keyboard-interactive' &&
      firstFactor !== undefined &&
      ctx.username === firstFactor.username
    ) {
      await verifyCode(ctx, firstFactor.signIn);
      return;
    }
    if (ctx.method === 'none' && !hasAskedMethods) {
      hasAskedMethods = true;
      ctx.reject(methodsLeft());
      return;
    }
    logger.info({ method: ctx.method }, 'sftp authentication refused: method not offered');
    refuse(ctx);
  };

  return (ctx: AuthContext) => {
    if (isExhausted()) {
      // The connection is ending: queued requests get no more work.
      ctx.reject([]);
      return;
    }
    handle(ctx).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('identity.')) {
        logger.error({ err: error }, 'sftp authentication failed unexpectedly');
      } else {
        logger.info({ code, method: ctx.method }, 'sftp authentication refused');
      }
      refuse(ctx);
    });
  };
}
