import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * ssh2 ships an optional C++ binding (built by its install script against OpenSSL) for chacha20-poly1305
 * and AES-GCM. Without it ssh2 falls back to a per-packet JavaScript path that moves about a quarter of
 * the bytes per CPU second, so an operator must be told when the build did not happen (no toolchain or
 * Node headers at install time).
 */
export function hasNativeSshCiphers(): boolean {
  const require = createRequire(import.meta.url);
  try {
    const ssh2Entry = require.resolve('ssh2');
    require(join(dirname(ssh2Entry), 'protocol', 'crypto', 'build', 'Release', 'sshcrypto.node'));
    return true;
  } catch {
    return false;
  }
}

export const missingNativeSshCiphersAdvice =
  "ssh2's native ciphers were not built at install, so SFTP transfers run several times slower. " +
  'Install python3, make and g++ (and the Node headers, or set npm_config_nodedir), then run: npm rebuild ssh2';
