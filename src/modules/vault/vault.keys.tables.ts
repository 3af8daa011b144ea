/**
 * One row per wrapped key of the hierarchy.
 * - `installation`: wrapped by the root key; seeds the secret box and keyed hasher.
 * - `matter`: wrapped by the root key; wraps the matter's data keys.
 * - `metadata` and `content`: data keys wrapped by a matter key (`parent_key_id`), for the matter's sealed
 *   names and for one document version's content.
 * `state` is `active`, or `retiring` while a rotation moves the rows it wraps to its successor, or
 * `destroyed` (then `wrapped` is null: crypto-shredded).
 */
export type VaultKeysTable = {
  id: string;
  purpose: 'installation' | 'matter' | 'metadata' | 'content';
  matter_id: string | null;
  parent_key_id: string;
  state: 'active' | 'retiring' | 'destroyed';
  wrapped: string | null;
  created_at: number;
  destroyed_at: number | null;
};
