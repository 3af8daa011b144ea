/**
 * What a principal may ask to do inside a matter. Decisions on these are taken in access.usecases.ts and
 * nowhere else.
 */
export const matterActions = [
  'matter.view',
  'matter.manage_members',
  'matter.rotate_keys',
  'document.read',
  'document.write',
  'document.organize',
] as const;
export type MatterAction = (typeof matterActions)[number];

/**
 * `hidden`: the caller must not learn the matter exists (404). `forbidden`: the caller sees the matter but
 * may not do this (403).
 */
export type AccessDecision = { isAllowed: true } | { isAllowed: false; reason: 'hidden' | 'forbidden' };
