import { ROLES } from '../features/principals/roles.ts';
import type { Runtime } from '../runtime.ts';

/** First start of an empty database: a demo agency whose key can do everything, printed once. */
export async function ensureDemoAgency(rt: Runtime): Promise<void> {
  if ((await rt.services.agencies.count()) > 0) return;
  const p = await rt.services.agencies.provision(
    { principalId: null, agencyId: null, requestId: null },
    { code: 'DEMO', name: 'Agencia de demostración', adminName: 'Administración de demostración', adminRoles: [...ROLES] },
  );
  process.stdout.write(
    [
      '',
      '  Agencia de demostración creada (código DEMO).',
      '  Su clave de API se muestra SOLO ESTA VEZ; guárdela:',
      '',
      `    ${p.token}`,
      '',
      `  Pruebe: curl -H "Authorization: Bearer <clave>" http://localhost:${rt.config.http.port}/v1/agencies`,
      '',
    ].join('\n') + '\n',
  );
}
