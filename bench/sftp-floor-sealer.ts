/**
 * What Writ's at-rest format costs an upload and nothing more, for the ssh2 floor server's --at-rest-crypto
 * mode: every byte hashed with SHA-256 on the event loop and copied into one reused segment buffer; each full
 * segment sealed with the vault's own segment code (AES-256-GCM in Tink's layout, under a random key) and
 * written at its place, up to four writes in flight. No streams, no hashing thread, no database.
 * A bench fixture: uploads must be written in order, as OpenSSH's client writes them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { write } from 'node:fs';
import {
  noncePrefixSize,
  segmentPlaintextSize,
  writStreamingAeadParameters as params,
} from '../src/modules/vault/vault.streaming-aead.layout.js';
import {
  buildHeader,
  deriveSegmentKeys,
  encryptSegment,
  type SegmentKeys,
} from '../src/modules/vault/vault.streaming-aead.segment.js';

const maxWritesInFlight = 4;

export class SealedUpload {
  private readonly keys: SegmentKeys;
  private readonly hash = createHash('sha256');
  private readonly segment = Buffer.allocUnsafeSlow(segmentPlaintextSize(params, 1));
  private filled = 0;
  private index = 0;
  private position: number;
  private nextOffset = 0;
  private writesInFlight = 0;
  private waiters: (() => void)[] = [];
  private failure: Error | undefined;

  constructor(private readonly fd: number) {
    const salt = randomBytes(params.keySize);
    const noncePrefix = randomBytes(noncePrefixSize);
    this.keys = deriveSegmentKeys({
      params,
      key: randomBytes(32),
      salt,
      noncePrefix,
      associatedData: Buffer.from('writ-bench'),
    });
    const header = buildHeader(params, salt, noncePrefix);
    this.position = header.length;
    this.writeAt(header, 0);
  }

  /** Takes the bytes at once (they may be reused on return); `onAccepted` runs when the disk keeps up. */
  write(offset: number, data: Buffer, onAccepted: (error: Error | undefined) => void): void {
    if (this.failure !== undefined || offset !== this.nextOffset) {
      onAccepted(this.failure ?? new Error('out-of-order write'));
      return;
    }
    this.nextOffset += data.length;
    this.hash.update(data);
    let from = 0;
    while (from < data.length) {
      const size = segmentPlaintextSize(params, this.index);
      if (this.filled === size) this.seal(false);
      const count = Math.min(size - this.filled, data.length - from);
      data.copy(this.segment, this.filled, from, from + count);
      this.filled += count;
      from += count;
    }
    if (this.writesInFlight < maxWritesInFlight) onAccepted(undefined);
    else
      this.waiters.push(() => {
        onAccepted(this.failure);
      });
  }

  /** Seals the last segment; `onDone` runs once everything is on disk. */
  finish(onDone: (error: Error | undefined, sha256: string) => void): void {
    this.seal(true);
    const sha256 = this.hash.digest('hex');
    const check = () => {
      if (this.writesInFlight > 0) this.waiters.push(check);
      else onDone(this.failure, sha256);
    };
    check();
  }

  private seal(isLast: boolean): void {
    const plaintext = [this.segment.subarray(0, this.filled)];
    const sealed = Buffer.concat(encryptSegment({ keys: this.keys, index: this.index, isLast, plaintext }));
    this.index += 1;
    this.filled = 0;
    this.writeAt(sealed, this.position);
    this.position += sealed.length;
  }

  private writeAt(bytes: Buffer, position: number): void {
    this.writesInFlight += 1;
    write(this.fd, bytes, 0, bytes.length, position, (error) => {
      if (error !== null) this.failure ??= error;
      this.writesInFlight -= 1;
      for (const waiter of this.waiters.splice(0)) waiter();
    });
  }
}
