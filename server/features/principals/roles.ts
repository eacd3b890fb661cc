/** DESIGN.md §10 roles, plus `operator`: the platform operator who registers agencies (granted only from the CLI). */
export const ROLES = ['system', 'clerk', 'records_officer', 'reviewer', 'signer', 'archivist', 'auditor', 'admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];
/** Roles an agency admin may grant through the API. */
export const GRANTABLE_ROLES = ROLES.filter((r) => r !== 'operator') as Exclude<Role, 'operator'>[];
