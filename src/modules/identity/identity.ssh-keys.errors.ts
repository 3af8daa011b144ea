import { createErrorFactory } from '../../shared/errors/errors.js';

export const createSshKeyInvalidError = createErrorFactory({
  code: 'identity.ssh_key_invalid',
  status: 400,
  message:
    'This is not an OpenSSH public key. Paste one line such as `ssh-ed25519 AAAA… comment` (the content of id_ed25519.pub).',
});

export const createSshKeyPrivateError = createErrorFactory({
  code: 'identity.ssh_key_private',
  status: 400,
  message: 'This is a private key: never share it. Paste the public key (the .pub file) instead.',
});

export const createSshKeyWeakError = createErrorFactory({
  code: 'identity.ssh_key_weak',
  status: 400,
  message:
    'This key type or size is not accepted: use Ed25519 (ssh-keygen -t ed25519), ECDSA, or RSA of at least 3072 bits. DSA keys are refused.',
});

export const createSshKeyNameInvalidError = createErrorFactory({
  code: 'identity.ssh_key_name_invalid',
  status: 400,
  message: 'A key name is 1 to 100 characters, without control characters.',
});

export const createSshKeyTakenError = createErrorFactory({
  code: 'identity.ssh_key_taken',
  status: 409,
  message: 'This key is already registered to your account.',
});

export const createSshKeyNotFoundError = createErrorFactory({
  code: 'identity.ssh_key_not_found',
  status: 404,
  message: 'No such SSH key.',
});
