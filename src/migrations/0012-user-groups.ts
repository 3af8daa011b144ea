import { type Kysely, sql } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * Groups of users that administrators keep (a team, an intake of lateral hires), and ethical walls that
 * screen a whole group from a matter: a member is screened while they belong to the group, joining after
 * the wall was raised included.
 * @NOTE `access_group_screens.group_id` has no foreign key on purpose: a lifted wall stays on record after
 * its group is deleted (a group with a standing wall cannot be deleted; identity.groups.usecases.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema
    .createTable('user_groups')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull().unique())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('user_group_members')
    .addColumn('group_id', 'text', (col) => col.notNull().references('user_groups.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('added_by', 'text', (col) => col.notNull())
    .addColumn('added_at', timestamp, (col) => col.notNull())
    .addPrimaryKeyConstraint('user_group_members_pk', ['group_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('user_group_members_user')
    .on('user_group_members')
    .columns(['user_id', 'group_id'])
    .execute();

  await db.schema
    .createTable('access_group_screens')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('group_id', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('lifted_by', 'text')
    .addColumn('lifted_at', timestamp)
    .execute();
  await sql`create unique index access_group_screens_live on access_group_screens (matter_id, group_id) where lifted_at is null`.execute(
    db,
  );
  await db.schema
    .createIndex('access_group_screens_group')
    .on('access_group_screens')
    .columns(['group_id', 'matter_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_group_screens').execute();
  await db.schema.dropTable('user_group_members').execute();
  await db.schema.dropTable('user_groups').execute();
}
