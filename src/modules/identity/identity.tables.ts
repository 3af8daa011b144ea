import type { Generated } from 'kysely';

export type UsersTable = {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
};

export type SetupTokensTable = {
  id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  consumed_at: Generated<number | null>;
};

export type IdentityTables = {
  users: UsersTable;
  setup_tokens: SetupTokensTable;
};
