import { ROLES, type Role } from '../features/principals/roles.ts';
import type { Runtime } from '../runtime.ts';

/** People of the demo agency, one per desk, who sign in through the development identity provider by RUN. */
export const DEMO_PEOPLE: { name: string; run: string; roles: Role[] }[] = [
  { name: 'Ana Oficina de Partes', run: '11111111-1', roles: ['records_officer', 'clerk'] },
  { name: 'Bruno Firmante', run: '22222222-2', roles: ['signer', 'reviewer'] },
  { name: 'Carla Archivera', run: '33333333-3', roles: ['archivist'] },
  { name: 'Diego Archivero', run: '44444444-4', roles: ['archivist'] },
  { name: 'Elena Auditora', run: '55555555-5', roles: ['auditor'] },
];

/** First start of an empty database: a demo agency whose key can do everything, printed once, and its people. */
export async function ensureDemoAgency(rt: Runtime): Promise<void> {
  if ((await rt.services.agencies.count()) > 0) return;
  const p = await rt.services.agencies.provision(
    { principalId: null, agencyId: null, requestId: null },
    { code: 'DEMO', name: 'Agencia de demostración', adminName: 'Administración de demostración', adminRoles: [...ROLES] },
  );
  const admin = { principalId: p.admin.id, agencyId: p.agency.id, agencyCode: p.agency.code, roles: p.admin.roles, requestId: null };
  for (const person of DEMO_PEOPLE) await rt.services.principals.create(admin, { kind: 'person', ...person });
  const base = rt.config.publicBaseUrl;
  process.stdout.write(
    [
      '',
      '  Agencia de demostración creada (código DEMO).',
      '  Su clave de API se muestra SOLO ESTA VEZ; guárdela:',
      '',
      `    ${p.token}`,
      '',
      `  Pruebe: curl -H "Authorization: Bearer <clave>" ${base}/v1/agencies`,
      '',
      ...(rt.config.web.devOidc
        ? [
            `  Aplicación web: ${base} — ingrese con uno de estos RUN (cualquier clave; proveedor de desarrollo):`,
            ...DEMO_PEOPLE.map((d) => `    ${d.run.padEnd(11)} ${d.name} (${d.roles.join(', ')})`),
            '',
          ]
        : []),
    ].join('\n') + '\n',
  );
}
