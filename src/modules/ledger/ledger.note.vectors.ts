/**
 * Published signed-note test data, copied as data only, no code.
 *
 * Source: go.googlesource.com/mod (github.com/golang/mod), sumdb/note/note_test.go
 * @ 02c991387e35f9e4c0a9b7ce137717055f8d716d. Copyright 2019 The Go Authors; BSD 3-Clause License.
 * The private key is the fixed test key published in that file, not a secret.
 */

/** `PRIVATE+KEY+<name>+<key ID>+base64(0x01 ‖ 32-byte Ed25519 seed)`. */
export const peterNeumannPrivateKey =
  'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';

export const peterNeumannVerifierKey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';

export const enochRootVerifierKey = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';

export const noteText =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";

export const peterNeumannSignatureLine =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

export const enochRootSignatureLine =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

/** Keys Go refuses: a 35-byte key with its key ID adjusted, and an unknown algorithm byte with its ID adjusted. */
export const rejectedVerifierKeys: readonly string[] = [
  'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==',
  'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW',
];
