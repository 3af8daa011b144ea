import { Type } from 'typebox';
import { sshKeyLimits } from './identity.ssh-keys.models.js';
import { prefixedIdField } from './identity.invitations.schemas.js';

export const addSshKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 4 * sshKeyLimits.nameMaxLength }),
    /** One OpenSSH public key line: `ssh-ed25519 AAAA… comment`. */
    publicKey: Type.String({ minLength: 1, maxLength: sshKeyLimits.publicKeyMaxLength }),
  },
  { additionalProperties: false },
);

export const sshKeyResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  algorithm: Type.String(),
  fingerprint: Type.String(),
  publicKey: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const addSshKeyResponse = Type.Object({ sshKey: sshKeyResponse });
export const sshKeyListResponse = Type.Object({ sshKeys: Type.Array(sshKeyResponse) });
export const sshKeyIdParams = Type.Object({ id: prefixedIdField });
