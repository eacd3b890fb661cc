import { InvalidArgumentError, type Command } from 'commander';
import type { z } from 'zod';
import { DomainError } from '../errors.ts';
import { planInput } from '../features/archive/dispositionService.ts';
import { holdInput, releaseInput } from '../features/archive/legalHoldService.ts';
import { ruleInput, seriesInput } from '../features/archive/retentionService.ts';
import type { Actor } from '../features/principals/Actor.ts';
import { principalRepository } from '../features/principals/principalRepository.ts';
import type { Runtime } from '../runtime.ts';

type WithRuntime = (fn: (rt: Runtime) => Promise<void>, quiet?: boolean, queue?: boolean) => Promise<void>;
type RequireAgency = (rt: Runtime, code: string) => Promise<{ id: string; code: string }>;

const bytes = new Intl.NumberFormat('es-CL');

/** Checks CLI input with the API's own schema, so both refuse the same things with the same words. */
function parsed<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidArgumentError(r.error.issues.map((i) => `${i.path.join('.') || 'entrada'}: ${i.message}`).join('; '));
  return r.data;
}

/**
 * Archive work from the command line: classify, schedule, hold, and propose, approve and run disposal. Each act
 * is done as a named archivist of the agency (`--as`), exactly as through the API, and audited the same way.
 */
export function registerArchiveCommands(program: Command, withRuntime: WithRuntime, requireAgency: RequireAgency): void {
  const asArchivist = async (rt: Runtime, opts: { agency: string; as: string }): Promise<Actor> => {
    const agency = await requireAgency(rt, opts.agency);
    const p = await principalRepository.findById(rt.database.knex, agency.id, opts.as).catch(() => null);
    if (!p || p.disabledAt) throw new InvalidArgumentError(`no existe un principal activo ${opts.as} en la agencia ${opts.agency}`);
    if (!p.roles.includes('archivist')) throw new InvalidArgumentError(`${p.name} no tiene el rol archivist`);
    return { principalId: p.id, agencyId: agency.id, agencyCode: agency.code, roles: p.roles, requestId: null };
  };
  /** Runs an act; a refusal the user can fix is one line on stderr and exit code 2. */
  const act = (fn: (rt: Runtime) => Promise<void>, queue = false) =>
    withRuntime(
      async (rt) => {
        try {
          await fn(rt);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          process.stderr.write(`${err.message}${err.errors?.length ? ` (${err.errors.map((e) => `${e.field}: ${e.message}`).join('; ')})` : ''}\n`);
          process.exitCode = 2;
        } finally {
          await rt.close();
        }
      },
      true,
      queue,
    );
  const who = (c: Command) => c.requiredOption('--agency <code>', 'código de la agencia').requiredOption('--as <principal>', 'id del archivero que actúa');

  const series = program.command('series').description('Cuadro de clasificación.');
  series
    .command('list')
    .requiredOption('--agency <code>', 'código de la agencia')
    .action((opts: { agency: string }) =>
      act(async (rt) => {
        const agency = await requireAgency(rt, opts.agency);
        const actor: Actor = { principalId: '', agencyId: agency.id, agencyCode: agency.code, roles: [], requestId: null };
        const rules = await rt.services.retention.rules(actor);
        for (const s of await rt.services.retention.listSeries(actor)) {
          const rule = rules.filter((r) => r.seriesCode === s.code).at(-1);
          process.stdout.write(`${s.code.padEnd(14)} ${s.title}${rule ? `  [v${rule.version}: ${rule.periodYears} años desde ${rule.trigger}, luego ${rule.disposition}]` : '  [sin regla]'}\n`);
        }
      }),
    );
  who(series.command('create').argument('<code>').argument('<title>')).action((code: string, title: string, opts: { agency: string; as: string }) =>
    act(async (rt) => {
      const s = await rt.services.retention.createSeries(await asArchivist(rt, opts), parsed(seriesInput, { code, title }));
      process.stdout.write(`serie ${s.code} creada${s.parentCode ? ` bajo ${s.parentCode}` : ''}\n`);
    }),
  );

  who(
    program
      .command('retention')
      .description('Fija una nueva versión de la regla de conservación de una serie.')
      .requiredOption('--series <code>')
      .requiredOption('--years <n>', 'plazo en años', (v) => Number(v))
      .requiredOption('--disposition <d>', 'transfer | destroy | review')
      .option('--trigger <t>', 'closed | final | date', 'closed')
      .option('--trigger-date <yyyy-mm-dd>')
      .requiredOption('--reason <text>', 'fundamento')
      .option('--review <text>', 'revisión explícita: el plazo nuevo rige también los plazos en curso'),
  ).action((opts: { agency: string; as: string; series: string; years: number; disposition: string; trigger: string; triggerDate?: string; reason: string; review?: string }) =>
    act(async (rt) => {
      const r = await rt.services.retention.setRule(
        await asArchivist(rt, opts),
        parsed(ruleInput, {
          series: opts.series,
          periodYears: opts.years,
          disposition: opts.disposition,
          trigger: opts.trigger,
          triggerDate: opts.triggerDate,
          reason: opts.reason,
          review: opts.review ? { reason: opts.review } : undefined,
        }),
      );
      process.stdout.write(`serie ${r.seriesCode}: regla v${r.version}, ${r.periodYears} años, ${r.disposition}${r.appliesToRunning ? ' (rige también los plazos en curso)' : ''}\n`);
    }),
  );

  const hold = program.command('hold').description('Retenciones legales.');
  who(hold.command('place').option('--case-file <iuie>').option('--document <id>').option('--series <code>').requiredOption('--reason <text>')).action(
    (opts: { agency: string; as: string; caseFile?: string; document?: string; series?: string; reason: string }) =>
      act(async (rt) => {
        const h = await rt.services.legalHolds.place(await asArchivist(rt, opts), parsed(holdInput, { caseFile: opts.caseFile, document: opts.document, series: opts.series, reason: opts.reason }));
        process.stdout.write(`retención ${h.id} puesta\n`);
      }),
  );
  who(hold.command('release').argument('<id>').requiredOption('--reason <text>')).action((id: string, opts: { agency: string; as: string; reason: string }) =>
    act(async (rt) => {
      await rt.services.legalHolds.release(await asArchivist(rt, opts), id, parsed(releaseInput, { reason: opts.reason }));
      process.stdout.write(`retención ${id} levantada\n`);
    }),
  );

  const disposition = program.command('disposition').description('Eliminación y transferencia de lo vencido.');
  who(disposition.command('plan').description('Propone (simula) una eliminación: lo vencido a la fecha de corte, por acción.').option('--due-by <iso>', 'fecha de corte (por defecto, ahora)')).action(
    (opts: { agency: string; as: string; dueBy?: string }) =>
      act(async (rt) => {
        const plan = await rt.services.dispositions.plan(await asArchivist(rt, opts), parsed(planInput, opts.dueBy ? { dueBy: opts.dueBy } : {}));
        process.stdout.write(`eliminación ${plan.id} propuesta: ${plan.itemsTotal} registro(s), ${bytes.format(plan.bytesTotal)} bytes\n`);
        for (const t of plan.totals) process.stdout.write(`  ${t.action.padEnd(9)} ${t.state.padEnd(8)} ${String(t.items).padStart(6)} registro(s) ${bytes.format(t.bytes)} bytes\n`);
        process.stdout.write(`apruébela otro archivero: legajo disposition approve ${plan.id} --agency ${opts.agency} --as <id>\n`);
      }),
  );
  who(disposition.command('approve').description('Aprueba una eliminación propuesta por otro archivero y la ejecuta aquí, con avance.').argument('<id>')).action((id: string, opts: { agency: string; as: string }) =>
    act(async (rt) => {
      const actor = await asArchivist(rt, opts);
      await rt.services.dispositions.approve(actor, id);
      // Run it here so the archivist sees it finish; a worker taking the same job finds each item already done.
      const timer = setInterval(() => {
        void rt.services.dispositions.get(actor, id).then((d) => process.stderr.write(`${d.itemsDone}/${d.itemsTotal} registro(s)\n`));
      }, 2_000);
      try {
        await rt.services.dispositions.run(id);
      } finally {
        clearInterval(timer);
      }
      const d = await rt.services.dispositions.get(actor, id);
      process.stdout.write(`eliminación ${id}: ${d.state}, ${d.itemsDone}/${d.itemsTotal} registro(s)${d.certificateNumber ? `, acta ${d.certificateNumber}` : ''}${d.transferId ? `, transferencia ${d.transferId}` : ''}\n`);
      if (d.state !== 'completed') process.exitCode = 1;
    }, true),
  );
}
