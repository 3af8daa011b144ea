import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { parseRootKey } from '../../src/modules/vault/vault.root-key.js';
import { deriveRootKeyId } from '../../src/modules/vault/vault.root-keyring.js';
import { ensureRootKeyFile } from '../../src/modules/vault/vault.root-key.js';
import { cleanupCli, createCliWorkspace, querySqlite, runWrit, startWritServer } from '../support/cli.js';

afterAll(cleanupCli);

const quiet = { WRIT_LOG_LEVEL: 'warn' };

function readRootKeyId(path: string): string {
  return deriveRootKeyId(parseRootKey(readFileSync(path, 'utf8'), path));
}

/** A data directory after one `writ serve` start and stop. */
async function createInstallation(): Promise<{ dataDir: string; rootKeyFile: string }> {
  const { dataDir } = createCliWorkspace();
  const server = await startWritServer({ dataDir });
  expect((await server.stop()).exitCode).toBe(0);
  return { dataDir, rootKeyFile: join(dataDir, 'keys', 'root.key') };
}

function rootWrappedParents(dataDir: string): string[] {
  return querySqlite<{ parent_key_id: string }>(
    dataDir,
    "select parent_key_id from vault_keys where purpose in ('installation', 'matter') and wrapped is not null",
  ).map((row) => row.parent_key_id);
}

describe('writ keys rotate-root', { timeout: 120_000 }, () => {
  test('is refused while the server runs, and leaves the root key as it was', async () => {
    const { dataDir, rootKeyFile } = await createInstallation();
    const before = readFileSync(rootKeyFile, 'utf8');
    const server = await startWritServer({ dataDir });
    try {
      const result = await runWrit(['keys', 'rotate-root', '--data-dir', dataDir], { env: quiet });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('is using the data directory');
      expect(readFileSync(rootKeyFile, 'utf8')).toBe(before);
      expect(existsSync(`${rootKeyFile}.next`)).toBe(false);
    } finally {
      await server.stop();
    }
  });

  test('with the server stopped it replaces root.key, re-wraps every key under the new one, and Writ starts again', async () => {
    const { dataDir, rootKeyFile } = await createInstallation();
    const oldKeyId = readRootKeyId(rootKeyFile);
    expect(rootWrappedParents(dataDir)).toEqual([oldKeyId]);

    const result = await runWrit(['keys', 'rotate-root', '--data-dir', dataDir], { env: quiet });

    expect(result.stderr).toContain('Created the new root key');
    expect(result.exitCode).toBe(0);
    const newKeyId = readRootKeyId(rootKeyFile);
    expect(newKeyId).not.toBe(oldKeyId);
    expect(result.stdout).toContain(`New root key id: ${newKeyId}`);
    expect(result.stdout).toContain(`old root key (${oldKeyId}), kept in ${rootKeyFile}.retired-${oldKeyId}`);
    // The retired key is the old root key itself, private to its owner.
    expect(readRootKeyId(`${rootKeyFile}.retired-${oldKeyId}`)).toBe(oldKeyId);
    expect(statSync(`${rootKeyFile}.retired-${oldKeyId}`).mode & 0o777).toBe(0o600);
    expect(existsSync(`${rootKeyFile}.next`)).toBe(false);
    expect(statSync(rootKeyFile).mode & 0o777).toBe(0o600);
    expect(rootWrappedParents(dataDir)).toEqual([newKeyId]);

    const server = await startWritServer({ dataDir });
    expect((await server.stop()).exitCode).toBe(0);
    const doctor = await runWrit(['doctor', '--data-dir', dataDir, '--json'], { env: quiet });
    expect(doctor.stdout).not.toContain('"severity":"error"');
    // Doctor reminds the operator that the retired key does not belong on this machine.
    expect(doctor.stdout).toContain(
      `${rootKeyFile}.retired-${oldKeyId} is a previous root key kept by a rotation`,
    );
  });

  test('a key another node wrapped with the old root key during the rotation is an ERROR in doctor, and the advice it gives recovers it', async () => {
    const { dataDir, rootKeyFile } = await createInstallation();
    const oldKeyId = readRootKeyId(rootKeyFile);
    const [before] = querySqlite<{ id: string; wrapped: string }>(
      dataDir,
      "select id, wrapped from vault_keys where purpose = 'installation'",
    );
    expect((await runWrit(['keys', 'rotate-root', '--data-dir', dataDir], { env: quiet })).exitCode).toBe(0);
    // What a second node still holding the old key in memory writes: a key wrapped by the old root key.
    const database = new SqliteDatabase(join(dataDir, 'writ.db'));
    database
      .prepare('update vault_keys set parent_key_id = ?, wrapped = ? where id = ?')
      .run(oldKeyId, before?.wrapped, before?.id);
    database.close();

    const report = await runWrit(['doctor', '--data-dir', dataDir, '--json'], { env: quiet });
    expect(report.exitCode).toBe(1);
    const rootKeyFinding = (
      JSON.parse(report.stdout) as { findings: { check: string; severity: string; message: string }[] }
    ).findings.find((finding) => finding.check === 'wrapped keys');
    expect(rootKeyFinding).toMatchObject({ severity: 'error' });
    expect(rootKeyFinding?.message).toContain(
      `wrapped by root key ${oldKeyId}, which this installation does not hold`,
    );

    // The advice: current key to root.key.next, the retired one back as root.key, rotate again.
    renameSync(rootKeyFile, `${rootKeyFile}.next`);
    renameSync(`${rootKeyFile}.retired-${oldKeyId}`, rootKeyFile);
    expect((await runWrit(['keys', 'rotate-root', '--data-dir', dataDir], { env: quiet })).exitCode).toBe(0);
    const healed = await runWrit(['doctor', '--data-dir', dataDir, '--json'], { env: quiet });
    expect(healed.stdout).toContain('Every key is wrapped by a root key held here.');
    const server = await startWritServer({ dataDir });
    expect((await server.stop()).exitCode).toBe(0);
  });

  test('an interrupted rotation (root.key.next left behind) still lets the server start, with a warning, and is finished by running it again', async () => {
    const { dataDir, rootKeyFile } = await createInstallation();
    const oldKeyId = readRootKeyId(rootKeyFile);
    ensureRootKeyFile(`${rootKeyFile}.next`);
    const nextKeyId = readRootKeyId(`${rootKeyFile}.next`);

    const server = await startWritServer({ dataDir });
    expect((await server.stop()).exitCode).toBe(0);
    expect(server.stdout() + server.stderr()).toContain('writ keys rotate-root');

    const result = await runWrit(['keys', 'rotate-root', '--data-dir', dataDir], { env: quiet });
    expect(result.stderr).toContain('Resuming the rotation');
    expect(result.exitCode).toBe(0);
    expect(readRootKeyId(rootKeyFile)).toBe(nextKeyId);
    expect(nextKeyId).not.toBe(oldKeyId);
    expect(existsSync(`${rootKeyFile}.next`)).toBe(false);
    expect(rootWrappedParents(dataDir)).toEqual([nextKeyId]);

    const again = await startWritServer({ dataDir });
    expect((await again.stop()).exitCode).toBe(0);
  });
});

describe('writ keys destroy-matter', () => {
  test('is refused unless --confirm repeats the matter id', async () => {
    const { dataDir } = createCliWorkspace();
    const result = await runWrit(
      ['keys', 'destroy-matter', 'mat_one', '--confirm', 'mat_two', '--data-dir', dataDir],
      { env: quiet },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('--confirm must repeat the matter id');
  });
});
