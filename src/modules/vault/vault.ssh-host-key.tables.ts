export type VaultSshHostKeysTable = {
  name: string;
  /** The 32-byte Ed25519 public key. */
  public_key: Buffer;
  /** The 32-byte Ed25519 seed sealed by the secret box, purpose `ssh-host-key:<name>`. */
  private_key_sealed: string;
  created_at: number;
};

export type VaultSshHostKeyTables = { vault_ssh_host_keys: VaultSshHostKeysTable };
