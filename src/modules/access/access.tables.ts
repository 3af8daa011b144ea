/** An ethical wall: `user_id` is screened from `matter_id` until lifted. */
export type AccessScreensTable = {
  id: string;
  matter_id: string;
  user_id: string;
  created_by: string;
  created_at: number;
  lifted_by: string | null;
  lifted_at: number | null;
};

/** An ethical wall on a group: every member of `group_id`, present or future, is screened until lifted. */
export type AccessGroupScreensTable = {
  id: string;
  matter_id: string;
  group_id: string;
  created_by: string;
  created_at: number;
  lifted_by: string | null;
  lifted_at: number | null;
};

export type AccessRequestsTable = {
  id: string;
  matter_id: string;
  requester_id: string;
  /** The matter role asked for: editor or viewer. */
  role: string;
  /** The requester's reason, sealed by the secret box (purpose `access-request:<id>`). */
  reason_sealed: string;
  status: 'pending' | 'approved' | 'denied' | 'withdrawn';
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
  grant_expires_at: number | null;
};

/** An auditor designated by an administrator as the firm's compliance officer (manages ethical walls). */
export type AccessComplianceOfficersTable = {
  user_id: string;
  designated_by: string;
  designated_at: number;
};

export type AccessTables = {
  access_compliance_officers: AccessComplianceOfficersTable;
  access_screens: AccessScreensTable;
  access_group_screens: AccessGroupScreensTable;
  access_requests: AccessRequestsTable;
};
