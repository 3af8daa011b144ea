export type IdentitySshKeysTable = {
  id: string;
  user_id: string;
  /** The owner's label for the key ("laptop"). */
  name: string;
  /** The SSH key type, `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`… */
  algorithm: string;
  /** `SHA256:<base64>` of the public key blob, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The OpenSSH one-line public key (`type base64`), without its comment. */
  public_key: string;
  created_at: number;
  last_used_at: number | null;
};

export type IdentitySshKeysTables = { identity_ssh_keys: IdentitySshKeysTable };
