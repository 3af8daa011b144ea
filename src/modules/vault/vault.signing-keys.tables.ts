import type { VaultKeysTable } from './vault.keys.tables.js';

export type VaultSigningKeysTable = {
  name: string;
  public_key: Buffer;
  /** The 32-byte Ed25519 seed sealed by the secret box, purpose `signing-key:<name>`. */
  private_key_sealed: string;
  created_at: number;
};

export type VaultTables = {
  vault_signing_keys: VaultSigningKeysTable;
  vault_keys: VaultKeysTable;
};
