import type { AuthContext } from 'ssh2';
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
 * The SSH authentication of one connection: a first factor (a registered public key or the password),
 * then, when the account has a second factor (or its role requires one), a TOTP code through
 * keyboard-interactive. Every decision is identity's: throttling, lockout, events, TOTP replay.
 */
export function createSftpAuthenticator({
  identity,
  connection,
  logger,
  onAuthenticated,
}: {
  identity: SftpIdentityDeps;
  connection: SftpConnectionInfo;
  logger: Logger;
  onAuthenticated: (principal: Principal) => void;
}) {
  let firstFactor: { username: string; signIn: SshSignIn } | undefined;
  const device = {
    userAgent: `SFTP ${connection.clientSoftware}`.slice(0, 200),
    clientAddress: connection.clientAddress,
  };

  const finishFirstFactor = (ctx: AuthContext, signIn: SshSignIn) => {
    if (
      signIn.isEnrolmentRequired ||
      (signIn.isSecondFactorRequired && !signIn.availableFactors.includes('totp'))
    ) {
      // The role requires a factor SFTP can check (TOTP): enrol it on the web first.
      ctx.reject([]);
      return;
    }
    if (signIn.isSecondFactorRequired) {
      firstFactor = { username: ctx.username, signIn };
      ctx.reject(['keyboard-interactive'], true);
      return;
    }
    const principal = toPrincipal(signIn, undefined);
    ctx.accept();
    onAuthenticated(principal);
  };

  const handle = async (ctx: AuthContext): Promise<void> => {
    const methods = firstFactor === undefined ? ['publickey', 'password'] : ['keyboard-interactive'];
    if (ctx.method === 'publickey' && firstFactor === undefined) {
      if (ctx.signature === undefined || ctx.blob === undefined) {
        const isAccepted = await isSshKeyAccepted({
          ...identity,
          username: ctx.username,
          keyBlob: ctx.key.data,
          clientAddress: connection.clientAddress,
        });
        if (isAccepted) ctx.accept();
        else ctx.reject(methods as never);
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
      const { signIn } = firstFactor;
      const answers = await new Promise<string[]>((resolve) => {
        ctx.prompt([{ prompt: 'Verification code: ', echo: false }], 'Writ', (responses) => {
          resolve(responses);
        });
      });
      const code = (answers[0] ?? '').trim();
      const { secondFactorAt } = await verifySecondFactor({
        ...identity,
        principal: toPrincipal(signIn, undefined),
        method: 'totp',
        code,
        purpose: 'sign_in',
        clientAddress: connection.clientAddress,
      });
      const principal = toPrincipal(signIn, secondFactorAt);
      ctx.accept();
      onAuthenticated(principal);
      return;
    }
    ctx.reject(methods as never);
  };

  return (ctx: AuthContext) => {
    handle(ctx).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('identity.')) {
        logger.error({ err: error }, 'sftp authentication failed unexpectedly');
      } else {
        logger.info({ code, method: ctx.method }, 'sftp authentication refused');
      }
      const methods = firstFactor === undefined ? ['publickey', 'password'] : ['keyboard-interactive'];
      try {
        ctx.reject(methods as never);
      } catch {
        // The client went away meanwhile.
      }
    });
  };
}
