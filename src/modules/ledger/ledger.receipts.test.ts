import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { isWritError } from '../../shared/errors/errors.js';
import { createCheckpoint } from './ledger.checkpoints.usecases.js';
import { parseCosignerKey } from './ledger.cosignatures.js';
import { createTestCosigner } from './ledger.cosignatures.test-utils.js';
import { addCosignatures, readLatestCosignedCheckpoint } from './ledger.cosignatures.usecases.js';
import { createNoteVerifier } from './ledger.note-keys.js';
import { parseTlogProof } from './ledger.proof.js';
import { type Receipt, verifyReceipt } from './ledger.receipts.js';
import { buildReceipt } from './ledger.receipts.usecases.js';
import { sequencePendingEntries } from './ledger.sequencer.js';
import { appendTestEvents } from './ledger.storage.test-utils.js';
import { createTestNoteSigner } from './ledger.test-utils.js';
import { createLedger } from './ledger.usecases.js';

const origin = 'writ.example.com/ledger';

function codeOf(error: unknown): string | undefined {
  return isWritError(error) ? error.code : undefined;
}

describeOnDatabases('ledger receipts and cosignatures', ({ getDb }) => {
  const signer = createTestNoteSigner({ name: origin });
  const verifier = createNoteVerifier({ name: origin, publicKey: signer.publicKey });
  const witness = createTestCosigner({ name: 'witness.example/w1' });
  const otherWitness = createTestCosigner({ name: 'witness.example/w2' });
  let receipt: Receipt;
  let aliceEntryId = '';

  test('a receipt is pending until sequenced and checkpointed, then verifies offline; only its actor gets it', async () => {
    const db = getDb();
    const clock = createTestClock();
    await appendTestEvents({ db, clock, count: 5 });
    const { entryId } = await db.transaction().execute((trx) =>
      createLedger({ clock }).append({
        db: trx,
        event: { kind: 'test.uploaded', actor: { type: 'user', id: 'usr_alice' }, data: { n: 1 } },
      }),
    );
    aliceEntryId = entryId;
    await appendTestEvents({ db, clock, count: 4 });
    expect(await buildReceipt({ db, signer, entryId, actorUserId: 'usr_alice' })).toEqual({
      status: 'pending',
    });
    await sequencePendingEntries({ db, clock });
    expect(await buildReceipt({ db, signer, entryId })).toEqual({ status: 'pending' });
    await createCheckpoint({ db, clock, signer, origin });

    const result = await buildReceipt({ db, signer, entryId, actorUserId: 'usr_alice' });
    if (result.status !== 'ready') throw new Error('the receipt should be ready');
    receipt = result.receipt;
    expect(JSON.parse(receipt.event)).toMatchObject({ kind: 'test.uploaded', actor: { id: 'usr_alice' } });
    const { idx } = await db
      .selectFrom('ledger_entries')
      .select('idx')
      .where('entry_id', '=', entryId)
      .executeTakeFirstOrThrow();
    expect(receipt.proof.startsWith(`c2sp.org/tlog-proof@v1\nindex ${idx}\n`)).toBe(true);
    expect(parseTlogProof(receipt.proof).hashes.length).toBeGreaterThan(0);
    const { isValid, checks } = verifyReceipt({ receipt, verifier });
    expect(checks.filter((check) => !check.isOk)).toEqual([]);
    expect(isValid).toBe(true);

    for (const actorUserId of ['usr_bob']) {
      await expect(buildReceipt({ db, signer, entryId, actorUserId })).rejects.toSatisfy(
        (error) => codeOf(error) === 'ledger.receipt_not_found',
      );
    }
    await expect(buildReceipt({ db, signer, entryId: 'evt_unknown' })).rejects.toSatisfy(
      (error) => codeOf(error) === 'ledger.receipt_not_found',
    );
  });

  test('tampering with any part of a receipt, or the wrong key, fails verification', () => {
    const failing = (changed: Partial<Receipt>, key = verifier) =>
      verifyReceipt({ receipt: { ...receipt, ...changed }, verifier: key })
        .checks.filter((check) => !check.isOk)
        .map((check) => check.name);
    expect(failing({ event: receipt.event.replace('"n":1', '"n":2') })).toEqual(['jws', 'inclusion']);
    const [header, payload, signature = ''] = receipt.jws.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    expect(failing({ jws: `${header}.${payload}.${flipped}` })).toEqual(['jws']);
    const proof = parseTlogProof(receipt.proof);
    const firstHash = proof.hashes[0]?.toString('base64') ?? '';
    const otherHash = Buffer.alloc(32, 7).toString('base64');
    expect(failing({ proof: receipt.proof.replace(firstHash, otherHash) })).toEqual(['inclusion']);
    expect(failing({ proof: receipt.proof.replace(`${origin}\n10\n`, `${origin}\n11\n`) })).toEqual([
      'checkpoint',
    ]);
    const other = createTestNoteSigner({ name: origin });
    expect(failing({}, createNoteVerifier({ name: origin, publicKey: other.publicKey }))).toEqual([
      'jws',
      'checkpoint',
    ]);
  });

  test('a configured witness cosignature is stored and served; a forged one is refused and not stored', async () => {
    const db = getDb();
    const clock = createTestClock();
    const witnesses = [parseCosignerKey(witness.verifierKey)];
    const latest = await readLatestCosignedCheckpoint({ db });
    if (latest === undefined) throw new Error('a checkpoint exists');
    const forged = otherWitness.cosign(latest.note).replace('witness.example/w2', 'witness.example/w1');
    await expect(addCosignatures({ db, clock, witnesses, note: latest.note + forged })).rejects.toSatisfy(
      (error) => codeOf(error) === 'ledger.cosignature_missing',
    );
    const tamperedBody = witness.cosign(latest.note, 1_700_000_001);
    const wrongTime = witness.cosign(latest.note).replace(/ (\S+)\n$/, (_m, b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[11] = (bytes[11] ?? 0) ^ 1;
      return ` ${bytes.toString('base64')}\n`;
    });
    expect(tamperedBody).not.toBe(wrongTime);
    await expect(addCosignatures({ db, clock, witnesses, note: latest.note + wrongTime })).rejects.toSatisfy(
      (error) => codeOf(error) === 'ledger.cosignature_invalid',
    );
    await expect(
      addCosignatures({
        db,
        clock,
        witnesses,
        note: `${origin}\n99\n${'A'.repeat(43)}=\n\n${witness.cosign(latest.note)}`,
      }),
    ).rejects.toSatisfy((error) => codeOf(error) === 'ledger.cosigned_checkpoint_unknown');
    expect(await db.selectFrom('ledger_cosignatures').selectAll().execute()).toEqual([]);

    const accepted = await addCosignatures({
      db,
      clock,
      witnesses,
      note: latest.note + witness.cosign(latest.note),
    });
    expect(accepted.accepted.map((cosignature) => cosignature.name)).toEqual(['witness.example/w1']);
    const served = await readLatestCosignedCheckpoint({ db });
    expect(served?.note).toBe(latest.note + witness.cosign(latest.note));
    const result = await buildReceipt({ db, signer, entryId: aliceEntryId });
    if (result.status !== 'ready') throw new Error('ready');
    expect(verifyReceipt({ receipt: result.receipt, verifier, witnesses, minWitnesses: 1 }).isValid).toBe(
      true,
    );
    expect(verifyReceipt({ receipt: result.receipt, verifier, witnesses, minWitnesses: 2 }).isValid).toBe(
      false,
    );
  });
});
