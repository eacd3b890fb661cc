// `legajo package validate`: Spanish report on stdout, exit code 1 when invalid, JSON on request. No database needed.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../helpers/sharedData.ts';

const BIN = resolve(import.meta.dirname, '../../../bin/legajo.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'package', 'validate', ...args], { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' } });

describe('legajo package validate', () => {
  it('exits 0 with "paquete válido" for a valid bag', { timeout: 120_000 }, () => {
    const r = run(sharedPath('samples/bagit-conformance-v1.0/valid/basicBag'));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('bolsa BagIt');
    expect(r.stdout).toMatch(/ok {2}paquete válido: 3 archivos/);
  });

  it('exits 1 naming each broken rule, in Spanish', { timeout: 120_000 }, () => {
    const r = run(sharedPath('samples/bagit-conformance-v1.0/invalid/notAllManifestsListAllFiles'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[BAGIT-COMPLETENESS] data/missingFromManifest.txt: archivo de carga que no aparece en manifest-sha512.txt');
    expect(r.stdout).toContain('paquete inválido: 1 error(es)');
  });

  it('prints the JSON report with --json and honours --no-estricto', () => {
    const r = run('--json', '--no-estricto', sharedPath('samples/eark-csip-invalid/mets-xml_mets_OBJID_attribute_not_exist'));
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ valid: false, kind: 'e-ark', strict: false });
    expect(report.findings.filter((f: { level: string }) => f.level === 'error').map((f: { rule: string }) => f.rule)).toEqual(['CSIP1']);
  }, 120_000);

  it('reports a missing package as an unreadable container', { timeout: 120_000 }, () => {
    const r = run('/no/existe.tar');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[SAFE-CONTAINER]');
  });
});
