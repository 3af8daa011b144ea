import { describe, expect, test } from 'vitest';
import {
  assertValidParameters,
  ciphertextLengthFor,
  headerLength,
  maxSegmentCount,
  plaintextLengthFor,
  segmentCiphertextStart,
  segmentIndexAt,
  segmentPlaintextSize,
  segmentPlaintextStart,
  type StreamingAeadParameters,
  writStreamingAeadParameters,
} from './vault.streaming-aead.layout.js';
import { smallParameters } from './vault.streaming-aead.test-utils.js';

const withOffset: StreamingAeadParameters = { ...smallParameters, keySize: 16, firstSegmentOffset: 8 };

describe('streaming AEAD layout', () => {
  test('Writ stores content with AES256_GCM_HKDF_1MB: 40-byte header, 1 MiB segments', () => {
    expect(writStreamingAeadParameters).toEqual({
      keySize: 32,
      hkdfHash: 'sha256',
      ciphertextSegmentSize: 1_048_576,
      firstSegmentOffset: 0,
    });
    expect(headerLength(writStreamingAeadParameters)).toBe(40);
    expect(segmentPlaintextSize(writStreamingAeadParameters, 0)).toBe(1_048_576 - 40 - 16);
    expect(segmentPlaintextSize(writStreamingAeadParameters, 1)).toBe(1_048_576 - 16);
    expect(segmentCiphertextStart(writStreamingAeadParameters, 1)).toBe(1_048_576);
    expect(ciphertextLengthFor(writStreamingAeadParameters, 0)).toBe(56);
  });

  test.each([
    ['small', smallParameters],
    ['with a first segment offset', withOffset],
    ['Writ', writStreamingAeadParameters],
  ])('lengths around every boundary map both ways (%s parameters)', (_name, params) => {
    const first = segmentPlaintextSize(params, 0);
    const full = segmentPlaintextSize(params, 1);
    const lengths = [0, 1, first - 1, first, first + 1, first + full - 1, first + full, first + full + 1];
    lengths.push(first + 5 * full, first + 5 * full + 1, first + 1000 * full + 7);
    for (const length of lengths) {
      const ciphertextLength = ciphertextLengthFor(params, length);
      expect(plaintextLengthFor(params, ciphertextLength), `plaintext ${length}`).toBe(length);
    }
  });

  test('segment starts and indexes agree with each other', () => {
    for (const params of [smallParameters, withOffset]) {
      for (let index = 0; index < 6; index++) {
        const start = segmentPlaintextStart(params, index);
        expect(segmentIndexAt(params, start)).toBe(index);
        expect(segmentIndexAt(params, start + segmentPlaintextSize(params, index) - 1)).toBe(index);
        const ciphertextEnd = ciphertextLengthFor(params, start + segmentPlaintextSize(params, index));
        expect(ciphertextEnd).toBe(segmentCiphertextStart(params, index + 1));
      }
    }
  });

  test('a ciphertext length no stream can have maps to no plaintext length', () => {
    const params = smallParameters;
    const firstEnd = params.ciphertextSegmentSize;
    const impossible = [-1, 0, 1, 40, 55, firstEnd + 1, firstEnd + 15, 2 * firstEnd + 15, 0.5, Number.NaN];
    for (const length of impossible) expect(plaintextLengthFor(params, length), `${length}`).toBeUndefined();
    // A last segment of only a tag after a full one decrypts in Tink, so its length is a possible one.
    expect(plaintextLengthFor(params, firstEnd + 16)).toBe(segmentPlaintextSize(params, 0));
  });

  test('the segment counter bounds the plaintext length', () => {
    const params = writStreamingAeadParameters;
    const largest = segmentPlaintextStart(params, maxSegmentCount);
    expect(() => ciphertextLengthFor(params, largest)).not.toThrow();
    expect(() => ciphertextLengthFor(params, largest + 1)).toThrow(/too large/);
    expect(plaintextLengthFor(params, ciphertextLengthFor(params, largest) + 17)).toBeUndefined();
  });

  test('parameters whose first segment cannot hold a tag and a byte are refused', () => {
    expect(() => {
      assertValidParameters({ ...smallParameters, ciphertextSegmentSize: 56 });
    }).toThrow(RangeError);
    expect(() => {
      assertValidParameters({ ...smallParameters, ciphertextSegmentSize: 57 });
    }).not.toThrow();
    expect(() => {
      assertValidParameters({ ...smallParameters, keySize: 24 as 16 });
    }).toThrow(RangeError);
    expect(() => {
      assertValidParameters({ ...smallParameters, firstSegmentOffset: -1 });
    }).toThrow(RangeError);
  });
});
