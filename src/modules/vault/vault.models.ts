/**
 * Small secrets other modules must keep but never see at rest (TOTP secrets, for instance), sealed with
 * AES-256-GCM under a key derived from the
 * installation key (itself wrapped by the root key). The purpose string is bound as associated data, so a
 * sealed value moved to another row or use does not open.
 * @NOTE Sealed format `s1.<base64url(nonce ‖ ciphertext ‖ tag)>`; stored in the database: changing it needs
 * a migration that re-seals every value.
 */
export type SecretBox = {
  seal(args: { plaintext: Uint8Array; purpose: string }): string;
  open(args: { sealed: string; purpose: string }): Buffer;
};

/**
 * Keyed hashing for values that must be matched but not stored readable: client addresses and unknown
 * account names in sign-in throttles. HMAC-SHA-256 under a key derived from the installation key.
 */
export type KeyedHasher = {
  hash(args: { value: string; purpose: string }): string;
};
