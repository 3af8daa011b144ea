import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ssh2, { type ParsedKey } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCli, createCliWorkspace, readServerCertificate, startWritServer } from '../support/cli.js';
import { createLawyer } from '../support/documents-cli.js';
import { generateClientKey, signInWithTotp, totpCode } from './sftp-support.js';

afterEach(cleanupCli);

/**
 * An RSA private key that presents someone else's public key: ssh2's client then offers that public key under
 * `rsa-sha2-256` and signs with the RSA key, a signature that cannot be the registered key's.
 */
function keyPresenting(publicBlob: Buffer): ParsedKey {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs1' })
    .toString();
  const rsa = ssh2.utils.parseKey(pem);
  if (rsa instanceof Error || Array.isArray(rsa)) throw new Error('unparsable test key');
  return new Proxy(rsa, {
    get(target, property, receiver) {
      if (property === 'getPublicSSH') return () => publicBlob;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

describe('SFTP sign-in with a forged key algorithm', () => {
  it(
    "someone holding only a user's public key and TOTP code cannot sign in by naming it rsa-sha2-256",
    { timeout: 180_000 },
    async () => {
      const { root, dataDir } = createCliWorkspace();
      await createLawyer({ dataDir, username: 'alice' });
      const server = await startWritServer({ dataDir });
      const ca = readServerCertificate(dataDir);
      const alice = await signInWithTotp({ url: server.url, ca, username: 'alice' });
      const { keyFile, publicKey } = generateClientKey(root);
      expect((await alice.json('POST', '/api/ssh-keys', { name: 'laptop', publicKey })).status).toBe(201);
      const registered = ssh2.utils.parseKey(readFileSync(keyFile));
      if (registered instanceof Error || Array.isArray(registered)) throw new Error('unparsable key');
      const forged = keyPresenting(registered.getPublicSSH());

      const client = new ssh2.Client();
      // Asked for the code only once a first factor was accepted.
      let isPromptedForCode = false;
      const outcome = new Promise<string>((resolve) => {
        client.on('keyboard-interactive', (_name, _instructions, _language, prompts, finish) => {
          isPromptedForCode = true;
          finish(prompts.map(() => totpCode(alice.totpSecret, 30)));
        });
        client.once('ready', () => {
          resolve('signed in');
        });
        client.once('error', (error) => {
          resolve(`refused: ${error.message}`);
        });
      });
      client.connect({
        host: '127.0.0.1',
        port: server.sftpPort,
        username: 'alice',
        authHandler: [
          { type: 'publickey', username: 'alice', key: forged },
          { type: 'keyboard-interactive', username: 'alice', prompt: () => undefined },
        ] as never,
        readyTimeout: 20_000,
        hostVerifier: () => true,
      });
      expect(await outcome).toMatch(/^refused: All configured authentication methods failed/);
      expect(isPromptedForCode).toBe(false);
      client.end();
    },
  );
});
