import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { DataDirectoryLockedError } from '../db/pgliteLock.ts';
import { agencyRepository } from '../features/agencies/agencyRepository.ts';
import { ROLES, type Role } from '../features/principals/roles.ts';
import { createLogger, type Logger } from '../logger.ts';
import { openRuntime, runService, type Runtime } from '../runtime.ts';
import { VERSION } from '../version.ts';
import { ensureDemoAgency } from './ensureDemoAgency.ts';
import { registerArchiveCommands } from './archiveCommands.ts';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { TransferBuildError } from '../features/transfers/transferService.ts';
import { stat } from 'node:fs/promises';
import { NotFoundError } from '../errors.ts';
import { readPackage } from '../features/caseFiles/remissionPackage.ts';
import { openSigning } from '../features/signing/openSigning.ts';
import { progressReporter } from '../features/fixity/fixityProgress.ts';
import { PackageValidationService } from '../features/packages/packageValidationService.ts';
import { reportText } from '../features/packages/reportText.ts';

/** Errors a user can fix get one clear line on stderr and exit code 2; anything else is a bug and is logged. */
async function withRuntime(fn: (rt: Runtime) => Promise<void>, quiet = true, queue = false): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // One-shot commands print their own output; their logs only matter when something goes wrong.
  const log = createLogger(quiet ? 'warn' : config.logLevel);
  let rt: Runtime;
  try {
    rt = await openRuntime(config, log, undefined, { queue });
  } catch (err) {
    if (err instanceof DataDirectoryLockedError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  await fn(rt);
}

async function requireAgency(rt: Runtime, code: string) {
  const a = await agencyRepository.findByCode(rt.database.knex, code);
  if (!a) throw new InvalidArgumentError(`no existe la agencia ${code}`);
  return a;
}

async function runUntilSignal(rt: Runtime, log: Logger, roles: { api: boolean; worker: boolean }) {
  // Handlers go in before the service announces itself, so a signal right after start-up still drains cleanly.
  const running = runService(rt, roles);
  const onSignal = (signal: string) => {
    log.info({ signal }, 'señal recibida');
    running
      .then((r) => r.stop())
      .then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'error al detener');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await running;
}

const parseRoles = (value: string): Role[] => {
  const roles = value.split(',').map((r) => r.trim());
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (bad.length) throw new InvalidArgumentError(`roles desconocidos: ${bad.join(', ')} (válidos: ${ROLES.join(', ')})`);
  return roles as Role[];
};

const program = new Command('legajo')
  .description('legajo: expedientes y documentos electrónicos del Estado de Chile (Ley 21.180).')
  .version(VERSION)
  .showHelpAfterError();

program
  .command('start')
  .description('Todo en un proceso (API + trabajos). Sin DATABASE_URL usa PGlite en ./data/pg y objetos en ./data/objects; crea una agencia de demostración la primera vez.')
  .action(() =>
    withRuntime(async (rt) => {
      if (rt.config.demoAgency) await ensureDemoAgency(rt);
      await runUntilSignal(rt, rt.log, { api: true, worker: true });
    }, false, true),
  );

program
  .command('serve')
  .description('Solo la API HTTP (sin estado; puede haber varias detrás de un balanceador).')
  .action(() => withRuntime((rt) => runUntilSignal(rt, rt.log, { api: true, worker: false }), false, true));

program
  .command('worker')
  .description('Solo los trabajos en segundo plano (cola en PostgreSQL; puede haber varios).')
  .action(() => withRuntime((rt) => runUntilSignal(rt, rt.log, { api: false, worker: true }), false, true));

program
  .command('migrate')
  .description('Aplica las migraciones pendientes y termina.')
  .action(() =>
    withRuntime(async (rt) => {
      process.stdout.write('Base de datos al día.\n');
      await rt.close();
    }),
  );

const agency = program.command('agency').description('Administración de agencias.');
agency
  .command('create')
  .description('Registra una agencia con su administrador y muestra su clave de API (una sola vez).')
  .requiredOption('--code <code>', 'código del Gestor de Códigos (p. ej. AB001)')
  .requiredOption('--name <name>', 'nombre oficial')
  .option('--roles <roles>', `roles del administrador inicial, separados por coma (${ROLES.join(', ')})`, parseRoles, ['admin'] as Role[])
  .action((opts: { code: string; name: string; roles: Role[] }) =>
    withRuntime(async (rt) => {
      try {
        if (!/^[A-Z0-9][A-Z0-9-]{1,15}$/.test(opts.code)) throw new InvalidArgumentError('--code: 2 a 16 caracteres, mayúsculas, dígitos o guion');
        const p = await rt.services.agencies.provision({ principalId: null, agencyId: null, requestId: null }, { code: opts.code, name: opts.name, adminRoles: opts.roles });
        process.stdout.write(
          `Agencia ${p.agency.code} creada (id ${p.agency.id}); administrador ${p.admin.id}; clave ${p.apiKey.id}.\n` +
            `Clave de API del administrador (no se volverá a mostrar):\n${p.token}\n`,
        );
      } finally {
        await rt.close();
      }
    }),
  );

const key = program.command('key').description('Claves de API.');
key
  .command('create')
  .description('Emite una clave de API para un principal de una agencia y la muestra una sola vez.')
  .requiredOption('--agency <code>', 'código de la agencia')
  .requiredOption('--principal <id>', 'id del principal')
  .option('--kind <kind>', 'live o test', 'live')
  .option('--label <label>', 'para qué es la clave', 'emitida desde la línea de comandos')
  .action((opts: { agency: string; principal: string; kind: string; label: string }) =>
    withRuntime(async (rt) => {
      try {
        if (opts.kind !== 'live' && opts.kind !== 'test') throw new InvalidArgumentError('--kind debe ser live o test');
        const a = await requireAgency(rt, opts.agency);
        const issued = await rt.database.knex.transaction((trx) =>
          rt.services.apiKeys.issue(trx, { agencyId: a.id, principalId: null, requestId: null }, { principalId: opts.principal, kind: opts.kind as 'live', label: opts.label }),
        );
        process.stdout.write(`Clave ${issued.apiKey.id} emitida (no se volverá a mostrar):\n${issued.token}\n`);
      } finally {
        await rt.close();
      }
    }),
  );
key
  .command('revoke')
  .description('Revoca una clave de API.')
  .requiredOption('--agency <code>', 'código de la agencia')
  .argument('<keyId>', 'id de la clave')
  .action((keyId: string, opts: { agency: string }) =>
    withRuntime(async (rt) => {
      try {
        const a = await requireAgency(rt, opts.agency);
        const revoked = await rt.services.apiKeys.revoke({ agencyId: a.id, principalId: null, requestId: null }, keyId);
        process.stdout.write(`Clave ${revoked.id} revocada el ${revoked.revokedAt?.toISOString()}.\n`);
      } finally {
        await rt.close();
      }
    }),
  );

const audit = program.command('audit').description('Registro de auditoría.');
audit
  .command('verify')
  .description('Verifica todas las cadenas de auditoría; termina con código 1 y nombra el primer evento alterado si alguna no cuadra.')
  .action(() =>
    withRuntime(async (rt) => {
      try {
        const results = await rt.services.audit.verifyAll(rt.database.knex);
        let bad = 0;
        for (const r of results) {
          if (r.ok) {
            process.stdout.write(`ok     ${r.chain}: ${r.checked} eventos\n`);
          } else {
            bad++;
            const f = r.firstBad!;
            process.stdout.write(`ERROR  ${r.chain}: evento ${f.chainSeq}${f.id === null ? '' : ` (id ${f.id})`}: ${f.reason}\n`);
          }
        }
        if (bad) process.exitCode = 1;
      } finally {
        await rt.close();
      }
    }),
  );

const caseFile = program.command('case-file').description('Expedientes electrónicos.');
caseFile
  .command('verify')
  .description('Verifica un expediente (hashes desde el almacén, orden, folios y sellos del índice); termina con código 1 si algo no cuadra.')
  .requiredOption('--agency <code>', 'código de la agencia dueña del expediente')
  .argument('<iuie>', 'IUIe del expediente')
  .action((iuie: string, opts: { agency: string }) =>
    withRuntime(async (rt) => {
      try {
        const a = await requireAgency(rt, opts.agency);
        const report = await rt.services.caseFiles.verifyAsOperator(a.id, iuie).catch((err: unknown) => {
          if (err instanceof NotFoundError) throw new InvalidArgumentError(err.message);
          throw err;
        });
        for (const v of report.sealedVersions) process.stdout.write(`${v.storedBytesMatch && v.seal.valid ? 'ok   ' : 'ERROR'}  índice sellado v${v.version} (${v.seal.signer?.commonName ?? 'sin firmante'})\n`);
        for (const p of report.problems) process.stdout.write(`ERROR  ${p.path}${p.order === null ? '' : `, orden ${p.order}`}: ${p.problem}\n`);
        process.stdout.write(`${report.valid ? 'ok' : 'ERROR'}  ${iuie}: ${report.entries} entradas, ${report.documentsHashed} documentos recalculados${report.documentsDestroyed ? `, ${report.documentsDestroyed} eliminados conforme a su retención (queda su hash)` : ''}, ${report.problems.length} problema(s)\n`);
        if (!report.valid) process.exitCode = 1;
      } finally {
        await rt.close();
      }
    }),
  );
caseFile
  .command('verify-package')
  .description('Verifica un paquete de remisión (tar) sin base de datos: sello del índice, hashes, orden, folios y manifiesto; código 1 si falla.')
  .argument('<file>', 'ruta del paquete .tar')
  .action(async (file: string) => {
    const config = loadConfig();
    const signing = await openSigning(config.signing);
    const size = (await stat(file).catch(() => null))?.size;
    if (size === undefined) throw new InvalidArgumentError(`no se puede leer ${file}`);
    const report = await readPackage(createReadStream(file), { anchors: signing.trustAnchors, maxIndexBytes: 64 * 1024 * 1024 });
    const m = report.index?.metadata;
    process.stdout.write(`Paquete ${file} (${size} bytes)${m ? `: expediente ${m.MGDEE1_1} de ${m.MGDEE51_2} (${m.MGDEE51_1}), índice v${report.index?.indexVersion ?? '?'}` : ''}\n`);
    if (report.seal) process.stdout.write(`${report.seal.valid ? 'ok   ' : 'ERROR'}  sello: ${report.seal.signer?.subject ?? 'sin firmante'}\n`);
    for (const p of report.problems) process.stdout.write(`ERROR  ${p.path}: ${p.problem}\n`);
    process.stdout.write(`${report.valid ? 'ok' : 'ERROR'}  ${report.filesChecked} archivos verificados, ${report.problems.length} problema(s)\n`);
    if (!report.valid) process.exitCode = 1;
  });

const fixity = program.command('fixity').description('Fijeza: los objetos almacenados siguen siendo los bytes que se guardaron.');
fixity
  .command('check')
  .description(
    'Recalcula el SHA-256 de cada objeto referenciado y lo compara con su clave (continúa una verificación interrumpida); avance en stderr; código 1 si algún objeto está alterado o falta.',
  )
  .action(() =>
    withRuntime(async (rt) => {
      const abort = new AbortController();
      const stop = () => abort.abort(new Error('detenida con una señal'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const startedAt = Date.now();
      try {
        const run = await rt.services.fixity.start('cli');
        if (run.resumedFrom) process.stderr.write(`Continúa la verificación ${run.resumedFrom}, después de ${run.startAfter ?? 'el primer objeto'}.\n`);
        const progress = progressReporter(process.stderr);
        let done;
        try {
          // The summary below names each damaged object; the JSON log lines would only repeat it on stdout.
          done = await rt.services.fixity.execute(run.id, { log: rt.log.child({}, { level: 'silent' }), signal: abort.signal, onProgress: (p) => progress.update(p) });
        } catch (err) {
          if (!abort.signal.aborted) throw err;
          const now = await rt.services.fixity.get(run.id);
          process.stdout.write(`Verificación ${run.id} interrumpida tras ${now.objectsChecked} objetos; \`legajo fixity check\` la continúa desde ${now.cursor ?? 'el principio'}.\n`);
          process.exitCode = 130;
          return;
        } finally {
          progress.done();
        }
        if (!done) throw new InvalidArgumentError('otro proceso tomó esta verificación; consulte su avance en GET /v1/fixity/runs');
        for (const c of await rt.services.fixity.damageOf(run.id)) {
          process.stdout.write(c.outcome === 'missing' ? `FALTA     ${c.objectKey}\n` : `ALTERADO  ${c.objectKey}: se esperaba ${c.expectedSha256}, se leyó ${c.actualSha256}\n`);
        }
        const mb = new Intl.NumberFormat('es-CL', { maximumFractionDigits: 1 }).format(done.bytesChecked / 1e6);
        process.stdout.write(`Verificación de fijeza ${done.id}: ${done.objectsChecked} objetos (${mb} MB) verificados en ${Math.round((Date.now() - startedAt) / 1000)} s.\n`);
        if (done.mismatches + done.missing === 0) {
          process.stdout.write('Todos los objetos coinciden con su hash.\n');
        } else {
          process.stdout.write(
            `${done.mismatches} objeto(s) alterado(s) y ${done.missing} ausente(s). Restáurelos desde el respaldo; la lista queda en GET /v1/fixity/alerts y en la auditoría de cada agencia afectada.\n`,
          );
          process.exitCode = 1;
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await rt.close();
      }
    }),
  );

const pkg = program.command('package').description('Paquetes de archivo (E-ARK, BagIt).');
pkg
  .command('validate')
  .description('Valida un paquete (carpeta, tar o zip), propio o ajeno: seguridad, BagIt 1.0, METS/PREMIS contra los XSD, reglas E-ARK y checksums; código 1 si es inválido.')
  .argument('<paquete>', 'carpeta, .tar o .zip')
  .option('--no-estricto', 'informa como advertencias las desviaciones de CSIP 2.0.x y los daños de finales de línea (corpus de referencia)')
  .option('--json', 'imprime el informe en JSON')
  .action(async (source: string, opts: { estricto: boolean; json?: boolean }) => {
    const config = loadConfig();
    const report = await new PackageValidationService(config.archive).validate(source, { strict: opts.estricto });
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(source, report));
    if (!report.valid) process.exitCode = 1;
  });

registerArchiveCommands(program, withRuntime, requireAgency);

const transfer = program.command('transfer').description('Transferencias al Archivo Nacional (paquetes E-ARK SIP 2.2 en BagIt).');
transfer
  .command('create')
  .description('Registra una transferencia de expedientes cerrados, construye su paquete aquí mismo mostrando el avance y lo escribe en --out.')
  .requiredOption('--agency <code>', 'código de la agencia dueña de los expedientes')
  .requiredOption('--out <file>', 'dónde escribir el paquete (.tar)')
  .option('--principal <id>', 'principal que pide la transferencia (por omisión, el primer administrador de la agencia)')
  .argument('<iuie...>', 'IUIe de los expedientes cerrados')
  .action((iuies: string[], opts: { agency: string; out: string; principal?: string }) =>
    withRuntime(
      async (rt) => {
        try {
          const a = await requireAgency(rt, opts.agency);
          const knex = rt.database.knex;
          const principal = opts.principal ?? (await knex('principals').where({ agency_id: a.id }).whereRaw(`'admin' = ANY(roles)`).orderBy('created_at').first('id'))?.id;
          if (!principal) throw new InvalidArgumentError(`la agencia ${opts.agency} no tiene administrador; indique --principal`);
          const actor = { principalId: principal, agencyId: a.id, agencyCode: a.code, roles: ['archivist' as const], requestId: 'cli' };
          const created = await knex
            .transaction((trx) => rt.services.transfers.createTransfer(trx, actor, { caseFiles: iuies }))
            .catch((err: unknown) => {
              const e = err as { status?: number; message: string; errors?: Array<{ message: string }> };
              if (e.status) throw new InvalidArgumentError([e.message, ...(e.errors ?? []).map((x) => `  ${x.message}`)].join('\n'));
              throw err;
            });
          process.stderr.write(`Transferencia ${created.id} (urn:uuid:${created.id})\n`);
          // Built here; the queued job finds it done. The bar follows the progress the build records.
          const draw = async () => {
            const p = (await rt.services.transfers.get(actor, created.id)).transfer;
            const ratio = p.bytesTotal ? p.bytesDone / p.bytesTotal : 0;
            process.stderr.write(`\r[${'#'.repeat(Math.round(ratio * 30)).padEnd(30, '.')}] ${Math.floor(ratio * 100)}% ${p.filesDone}/${p.filesTotal} archivos, ${(p.bytesDone / 1048576).toFixed(1)}/${(p.bytesTotal / 1048576).toFixed(1)} MB`);
          };
          let building = true;
          const bar = (async () => {
            while (building) {
              await draw();
              await new Promise((r) => setTimeout(r, 500));
            }
          })();
          try {
            await rt.services.transfers.runBuild(created.id);
          } catch (err) {
            if (err instanceof TransferBuildError) await rt.services.transfers.fail(created.id, err.message);
            else throw err;
          } finally {
            building = false;
            await bar;
          }
          await draw();
          const done = (await rt.services.transfers.get(actor, created.id)).transfer;
          if (done.state !== 'ready') throw new InvalidArgumentError(`\nla transferencia ${created.id} quedó ${done.state}: ${done.error ?? 'sin detalle'}`);
          const t = await rt.services.transfers.packageOf(actor, created.id);
          await pipeline(await rt.services.transfers.download(actor, t), createWriteStream(opts.out));
          process.stderr.write('\n');
          process.stdout.write(`Paquete ${opts.out}: ${t.packageSize} bytes, SHA-256 ${t.packageSha256}. Confírmelo con POST /v1/transfers/${created.id}/confirm cuando el Archivo Nacional lo acepte.\n`);
        } finally {
          await rt.close();
        }
      },
      true,
      true,
    ),
  );

program.parseAsync(process.argv).catch((err) => {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`El puerto ya está en uso (${(err as Error).message}). Detenga el otro proceso o elija otro con PORT.\n`);
    process.exit(2);
  }
  if (err instanceof InvalidArgumentError || (err as { status?: number }).status) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
