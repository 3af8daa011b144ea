import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

/** @NOTE Stored in user_groups and published in group and wall events: never change the prefix. */
export const generateGroupId = createPrefixedIdGenerator({ prefix: 'grp' });

export type GroupMember = { userId: string; username: string };

export type Group = { id: string; name: string; createdAt: Date; members: GroupMember[] };

export const groupNameLimits = { maxLength: 100 } as const;

/** Trims a group name; undefined when it is empty, too long or holds control characters. */
export function normalizeGroupName(name: string): string | undefined {
  const trimmed = name.normalize('NFC').trim();
  if (trimmed.length === 0 || trimmed.length > groupNameLimits.maxLength) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(trimmed)) return undefined;
  return trimmed;
}
