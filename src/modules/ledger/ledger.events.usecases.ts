import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { JsonValue } from './ledger.canonical-json.js';
import type { EventActor } from './ledger.models.js';

/** An event as recorded: sequenced (`index` set) or still pending its place in the log. */
export type RecordedEvent = {
  entryId: string;
  /** The leaf index in the log; undefined while the entry waits to be sequenced. */
  index: number | undefined;
  kind: string;
  at: Date;
  actor: EventActor;
  data: { [key: string]: JsonValue };
};

/**
 * The events of `kinds` about one matter (`data.matterId`), oldest first, sequenced and pending alike.
 * @NOTE This reads the audit trail across the matter: callers decide first who may see it.
 */
export async function listEventsForMatter({
  db,
  matterId,
  kinds,
}: {
  db: Kysely<WritDatabase>;
  matterId: string;
  kinds: readonly string[];
}): Promise<RecordedEvent[]> {
  return listEventsNaming({ db, field: 'matterId', id: matterId, kinds });
}

/**
 * The events of `kinds` about one group of users (`data.groupId`), oldest first: the access report reads a
 * screened group's membership changes.
 * @NOTE This reads the audit trail across the group: callers decide first who may see it.
 */
export async function listEventsForGroup({
  db,
  groupId,
  kinds,
}: {
  db: Kysely<WritDatabase>;
  groupId: string;
  kinds: readonly string[];
}): Promise<RecordedEvent[]> {
  return listEventsNaming({ db, field: 'groupId', id: groupId, kinds });
}

async function listEventsNaming({
  db,
  field,
  id,
  kinds,
}: {
  db: Kysely<WritDatabase>;
  field: 'matterId' | 'groupId';
  id: string;
  kinds: readonly string[];
}): Promise<RecordedEvent[]> {
  if (kinds.length === 0) return [];
  // A coarse prefilter on the entry text; the exact match on `data[field]` follows after parsing.
  const pattern = `%"${field}":${JSON.stringify(id)}%`;
  const [sequenced, pending] = await Promise.all([
    db
      .selectFrom('ledger_entries')
      .select(['idx', 'entry_id', 'kind', 'entry', 'recorded_at'])
      .where('kind', 'in', kinds)
      .where('entry', 'like', pattern)
      .orderBy('idx')
      .execute(),
    db
      .selectFrom('ledger_pending_entries')
      .select(['id', 'kind', 'entry', 'recorded_at'])
      .where('kind', 'in', kinds)
      .where('entry', 'like', pattern)
      .orderBy('recorded_at')
      .orderBy('id')
      .execute(),
  ]);
  const seen = new Set<string>();
  const events: RecordedEvent[] = [];
  const rows: { id: string; entry: string; index: number | undefined }[] = [
    ...sequenced.map((row) => ({ id: row.entry_id, entry: row.entry, index: row.idx })),
    ...pending.map((row) => ({ id: row.id, entry: row.entry, index: undefined })),
  ];
  for (const row of rows) {
    // An entry sequenced between the two reads appears in both.
    if (seen.has(row.id)) continue;
    seen.add(row.id);
    const parsed = JSON.parse(row.entry) as {
      kind: string;
      at: string;
      actor: EventActor;
      data: { [key: string]: JsonValue };
    };
    if (parsed.data[field] !== id) continue;
    events.push({
      entryId: row.id,
      index: row.index,
      kind: parsed.kind,
      at: new Date(parsed.at),
      actor: parsed.actor,
      data: parsed.data,
    });
  }
  return events;
}
