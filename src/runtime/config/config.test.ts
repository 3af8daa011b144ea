import { describe, expect, test } from 'vitest';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { envToConfig, findUnsafeSettings, formatConfig, publicUrlWarning, readEnv } from './config.js';

function configFrom(env: Record<string, string>, flags = {}) {
  return envToConfig(readEnv({ env, flags }), { cwd: '/srv' });
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    configFrom(env);
  } catch (error) {
    expect(isErrorWithCode({ error, code: 'config.invalid' })).toBe(true);
    return (error as { details: { problems: string[] } }).details.problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  test('with nothing set, Writ runs from ./writ-data on SQLite over HTTPS on loopback', () => {
    const config = configFrom({});
    expect(config).toMatchObject({
      dataDir: '/srv/writ-data',
      host: '127.0.0.1',
      port: 8443,
      sftpPort: 2222,
      publicUrl: 'https://localhost:8443',
      databaseUrl: 'sqlite:writ.db',
      blobDir: '/srv/writ-data/blobs',
      rootKeyFile: '/srv/writ-data/keys/root.key',
      tls: {
        certFile: '/srv/writ-data/tls/cert.pem',
        keyFile: '/srv/writ-data/tls/key.pem',
        isManaged: true,
      },
      behindTlsProxy: false,
      logLevel: 'info',
    });
    expect(findUnsafeSettings(config)).toEqual([]);
  });

  test('flags win over the environment, and the environment over defaults', () => {
    const config = configFrom({ WRIT_PORT: '1234', WRIT_HOST: '10.0.0.5' }, { port: '9999' });
    expect(config.port).toBe(9999);
    expect(config.host).toBe('10.0.0.5');
    expect(config.publicUrl).toBe('https://10.0.0.5:9999');
  });

  test('every invalid value is reported at once, each with its variable name', () => {
    const problems = problemsOf({
      WRIT_PORT: '70000',
      WRIT_LOG_LEVEL: 'loud',
      WRIT_PUBLIC_URL: 'http://writ.example.com',
      WRIT_BEHIND_TLS_PROXY: 'maybe',
      WRIT_HOST: 'bad host!',
      WRIT_SETUP_LINK_TTL_MINUTES: '1.5',
    });
    expect(problems).toHaveLength(6);
    for (const name of [
      'WRIT_PORT',
      'WRIT_LOG_LEVEL',
      'WRIT_PUBLIC_URL',
      'WRIT_BEHIND_TLS_PROXY',
      'WRIT_HOST',
      'WRIT_SETUP_LINK_TTL_MINUTES',
    ]) {
      expect(problems.some((problem) => problem.startsWith(`${name}:`))).toBe(true);
    }
  });

  test('a certificate without its key, and trusted proxies without a proxy, are refused', () => {
    expect(problemsOf({ WRIT_TLS_CERT_FILE: '/etc/writ/cert.pem' })[0]).toMatch(/set both/);
    expect(problemsOf({ WRIT_TRUSTED_PROXIES: '10.0.0.1' })[0]).toMatch(/WRIT_BEHIND_TLS_PROXY/);
    for (const range of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/8']) {
      expect(problemsOf({ WRIT_BEHIND_TLS_PROXY: 'true', WRIT_TRUSTED_PROXIES: range })).toEqual([
        `WRIT_TRUSTED_PROXIES: "${range}" is not an IP address or CIDR range`,
      ]);
    }
    expect(
      configFrom({ WRIT_BEHIND_TLS_PROXY: 'true', WRIT_TRUSTED_PROXIES: '10.0.0.0/32,fd00::/128' })
        .trustedProxies,
    ).toEqual(['10.0.0.0/32', 'fd00::/128']);
    // Unset, the loopback addresses are trusted, and config print says so.
    expect(formatConfig(configFrom({}), readEnv({ env: {}, flags: {} }))).toContain(
      'WRIT_TRUSTED_PROXIES=127.0.0.1,::1',
    );
    expect(problemsOf({ WRIT_BEHIND_TLS_PROXY: 'true', WRIT_TRUSTED_PROXIES: '10.0.0.1/99x' })[0]).toMatch(
      /CIDR/,
    );
  });

  test('values with control characters are refused', () => {
    expect(problemsOf({ WRIT_DATA_DIR: 'data\nWRIT_HOST=0.0.0.0' })[0]).toMatch(
      /WRIT_DATA_DIR: must not contain control characters/,
    );
  });

  test('plain HTTP on a public address without a named proxy is unsafe; with one, or on loopback, it is allowed', () => {
    const open = configFrom({ WRIT_BEHIND_TLS_PROXY: 'true', WRIT_HOST: '0.0.0.0' });
    expect(findUnsafeSettings(open)[0]).toMatch(/WRIT_TRUSTED_PROXIES/);
    const named = configFrom({
      WRIT_BEHIND_TLS_PROXY: 'true',
      WRIT_HOST: '0.0.0.0',
      WRIT_TRUSTED_PROXIES: '10.1.0.0/16',
    });
    expect(findUnsafeSettings(named)).toEqual([]);
    expect(findUnsafeSettings(configFrom({ WRIT_BEHIND_TLS_PROXY: 'true' }))).toEqual([]);
  });

  test('printed configuration names secret files with their source and never their content', () => {
    const raw = readEnv({
      env: { WRIT_METRICS_TOKEN_FILE: '/run/secrets/metrics' },
      flags: { port: '9000' },
    });
    const printed = formatConfig(envToConfig(raw, { cwd: '/srv' }), raw);
    expect(printed).toContain('WRIT_PORT=9000  # flag');
    expect(printed).toContain('WRIT_HOST=127.0.0.1  # default');
    expect(printed).toContain(
      'WRIT_METRICS_TOKEN_FILE=/run/secrets/metrics  # environment; secret file: content not shown',
    );
    expect(printed).toContain(
      'WRIT_ROOT_KEY_FILE=/srv/writ-data/keys/root.key  # default; secret file: content not shown',
    );
  });

  test('a listener open to other machines with links that still say localhost is warned about, until WRIT_PUBLIC_URL is set', () => {
    expect(publicUrlWarning(configFrom({}))).toBeUndefined();
    const everywhere = configFrom({ WRIT_HOST: '0.0.0.0' });
    expect(everywhere.publicUrl).toBe('https://localhost:8443');
    expect(publicUrlWarning(everywhere)).toBe(
      'Writ listens on 0.0.0.0, but its links and passkeys name https://localhost:8443, which other machines cannot reach. Set WRIT_PUBLIC_URL to the https:// address people use, before anyone enrols a passkey.',
    );
    expect(
      publicUrlWarning(configFrom({ WRIT_HOST: '0.0.0.0', WRIT_PUBLIC_URL: 'https://writ.firm.example' })),
    ).toBeUndefined();
  });
});
