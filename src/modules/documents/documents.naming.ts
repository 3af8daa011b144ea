import type { MatterVault } from '../vault/vault.keys.models.js';
import { createNameInvalidError, createNameTakenError } from './documents.errors.js';
import { lookupPurpose, nameLookupValue, normalizeName } from './documents.models.js';
import type { DocumentsRepository } from './documents.repository.js';

/** A validated name with its sealed form and lookup hash, ready to store in the row `context` names. */
export function sealName({
  vault,
  rawName,
  context,
}: {
  vault: MatterVault;
  rawName: string;
  context: string;
}): { name: string; name_sealed: string; name_lookup: string } {
  const name = normalizeName(rawName);
  if (name === undefined) throw createNameInvalidError();
  return {
    name,
    name_sealed: vault.sealText({ plaintext: name, context }),
    name_lookup: nameLookupFor({ vault, name }),
  };
}

export function nameLookupFor({ vault, name }: { vault: MatterVault; name: string }): string {
  return vault.lookupHash({ value: nameLookupValue(name), purpose: lookupPurpose.name });
}

/**
 * Refuses a name that a live folder or document in `folderId` already has. Call it in the transaction that
 * writes the name, before writing it.
 * @NOTE Folders and documents keep their names in two tables, each with a unique index of its own, and no
 * index spans both: a folder and a document named alike at the same time would both pass a plain check
 * under READ COMMITTED. So the check first locks the folder's row until the transaction ends: every writer
 * of a name in one folder queues there and then sees the names committed before it.
 */
export async function requireNameFree({
  repository,
  folderId,
  nameLookup,
  exceptId,
}: {
  repository: DocumentsRepository;
  folderId: string;
  nameLookup: string;
  exceptId?: string;
}): Promise<void> {
  await repository.lockFolder({ folderId });
  if (
    await repository.isNameTaken({ folderId, nameLookup, ...(exceptId === undefined ? {} : { exceptId }) })
  ) {
    throw createNameTakenError();
  }
}

/** Unique-index violations mean a concurrent act took the name between our check and our write. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
