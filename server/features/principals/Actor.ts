import type { Role } from './roles.ts';

/** Who is acting, as established by authentication; every service call is scoped by `agencyId`. */
export interface Actor {
  principalId: string;
  agencyId: string;
  /** Gestor de Códigos code of the agency, stamped into identifiers and receipts. */
  agencyCode: string;
  roles: readonly Role[];
  requestId: string | null;
}
