import type { StreamingAeadParameters } from './vault.streaming-aead.layout.js';

/**
 * Published known-answer vectors for Tink's AES-GCM-HKDF-Streaming.
 *
 * Source: Tink's "manually created test vector", worked out by hand from the format description at
 * https://developers.google.com/tink/streaming-aead/aes_gcm_hkdf_streaming and used unchanged by
 * every Tink implementation's tests:
 * - tink-crypto/tink-cross-lang-tests, cross_language/cross_language/streaming_aead/
 *   aes_gcm_hkdf_streaming_key_test.py, `test_manually_created_test_vector` (commit 9aedf27), which
 *   also publishes the intermediate HKDF output and the three segment nonces;
 * - tink-crypto/tink-java, src/main/java/com/google/crypto/tink/streamingaead/internal/testing/
 *   AesGcmHkdfStreamingTestUtil.java (commit a21764e);
 * - tink-crypto/tink-cc, tink/streamingaead/internal/testing/aes_gcm_hkdf_streaming_test_vectors.cc
 *   (commit 1f847bc).
 * Copyright Google LLC, licensed under the Apache License, Version 2.0.
 *
 * @NOTE Tink publishes this single vector for the scheme, with 16-byte keys, HKDF-SHA1 and 64-byte
 * segments, not with Writ's AES256_GCM_HKDF_1MB parameters: the implementation is parametric so that
 * the same code paths run it. The 1 MiB configuration is cross-checked by an independent decrypter
 * (test/interop/tink_streaming_decrypt.py) instead.
 */
export type StreamingAeadKnownAnswer = {
  name: string;
  params: StreamingAeadParameters;
  keyHex: string;
  associatedDataHex: string;
  plaintextHex: string;
  saltHex: string;
  noncePrefixHex: string;
  /** HKDF(ikm = key, salt, info = associated data) as published alongside the vector. */
  derivedKeyHex: string;
  /** Segment nonces as published: nonce prefix ‖ segment number ‖ last-segment flag. */
  segmentNoncesHex: string[];
  /** Header ‖ segment_0 ‖ segment_1 ‖ … */
  ciphertextHex: string;
};

const header = '18' + '93b3af5e14ab378d065addfc8484da64' + '2c0862877baea8';

export const streamingAeadKnownAnswers: readonly StreamingAeadKnownAnswer[] = [
  {
    name: 'tink test_manually_created_test_vector (AES-128, HKDF-SHA1, 64-byte segments, 3 segments)',
    params: { keySize: 16, hkdfHash: 'sha1', ciphertextSegmentSize: 64, firstSegmentOffset: 0 },
    keyHex: '6eb56cdc726dfbe5d57f2fcdc6e9345b',
    associatedDataHex: Buffer.from('aad', 'utf8').toString('hex'),
    plaintextHex: Buffer.from(
      'This is a fairly long plaintext. It is of the exact length to create three output blocks. ',
      'utf8',
    ).toString('hex'),
    saltHex: '93b3af5e14ab378d065addfc8484da64',
    noncePrefixHex: '2c0862877baea8',
    derivedKeyHex: '66dd511791296a6cfc94a24041fcab9f',
    segmentNoncesHex: ['2c0862877baea80000000000', '2c0862877baea80000000100', '2c0862877baea80000000201'],
    ciphertextHex: [
      header,
      'db92d9c77406a406168478821c4298eab3e6d531277f4c1a051714faebcaefcbca7b7be05e9445ea',
      'a0bb2904153398a25084dd80ae0edcd1c3079fcea2cd3770630ee36f7539207b8ec9d754956d486b' +
        '71cdf989f0ed6fba6779b63558be0a66e668df14e1603cd2',
      'af8944844078345286d0b292e772e7190775c51a0f83e40c0b75821027e7e538e111',
    ].join(''),
  },
];
