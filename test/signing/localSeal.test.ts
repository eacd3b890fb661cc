import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDevCertificates, type DevCertificates } from '../../server/features/signing/devCertificates.ts';
import { LocalSealSigner } from '../../server/features/signing/LocalSealSigner.ts';
import { SignerRejectedError, SignerUnavailableError } from '../../server/features/signing/signerErrors.ts';
import { itWithReferee } from '../helpers/referee.ts';
import { AGENCY, DEV_PASSWORD, devSigners } from './devSigners.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'legajo-seal-'));
let dev: DevCertificates;
let seal: LocalSealSigner;

beforeAll(async () => {
  ({ dev, seal } = await devSigners());
});

function openssl(args: string[], input?: Buffer) {
  return spawnSync('openssl', args, { encoding: 'utf8', ...(input ? { input } : {}) });
}

describe('certificados de desarrollo', () => {
  it('se generan una vez y se reutilizan', async () => {
    const sealFile = statSync(dev.sealPkcs12Path);
    const again = await ensureDevCertificates({ dir: dev.dir, agencyName: 'Otro nombre', password: DEV_PASSWORD });
    expect(again.rootCertificatePem).toBe(dev.rootCertificatePem);
    expect(statSync(again.sealPkcs12Path).mtimeMs).toBe(sealFile.mtimeMs);
  });

  it('dos arranques simultáneos terminan con el mismo juego', async () => {
    const dir = path.join(scratch, 'concurrente');
    const [a, b] = await Promise.all([
      ensureDevCertificates({ dir, agencyName: AGENCY, password: DEV_PASSWORD }),
      ensureDevCertificates({ dir, agencyName: AGENCY, password: DEV_PASSWORD }),
    ]);
    expect(a.rootCertificatePem).toBe(b.rootCertificatePem);
    expect(() => LocalSealSigner.fromPkcs12(readFileSync(a.sealPkcs12Path), DEV_PASSWORD)).not.toThrow();
  });

  itWithReferee('openssl', 'el sello lleva el nombre de la institución y la persona su RUN', () => {
    const subject = (file: string) =>
      openssl(['x509', '-noout', '-subject', '-ext', 'subjectAltName', '-nameopt', 'utf8,sep_comma_plus'], readFileSync(file)).stdout;
    expect(subject(path.join(dev.dir, 'seal.pem'))).toContain(`O=${AGENCY}`);
    const person = subject(path.join(dev.dir, 'person.pem'));
    expect(person).toContain('serialNumber=12345678-5');
    expect(person).toContain('othername: 1.3.6.1.4.1.8321.1::12345678-5');
  });
});

describe('LocalSealSigner', () => {
  itWithReferee('openssl', 'produce un CMS CAdES-BES que OpenSSL verifica', async () => {
    const data = Buffer.from('contenido del rango firmado');
    const { cms } = await seal.signDigest(createHash('sha256').update(data).digest(), { signingTime: new Date() });
    const files = { cms: path.join(scratch, 'sello.p7s'), data: path.join(scratch, 'datos.bin'), root: path.join(scratch, 'raiz.pem') };
    writeFileSync(files.cms, cms);
    writeFileSync(files.data, data);
    writeFileSync(files.root, dev.rootCertificatePem);
    const verify = openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', files.cms, '-content', files.data, '-CAfile', files.root, '-purpose', 'any', '-out', '/dev/null']);
    expect(verify.stderr).toContain('Verification successful');
    const printed = openssl(['cms', '-cmsout', '-print', '-inform', 'DER', '-in', files.cms]).stdout;
    expect(printed).toContain('id-smime-aa-signingCertificateV2');
    expect(printed).toContain('messageDigest');
    // PAdES baseline: the signing time is the dictionary's /M, never a CMS attribute.
    expect(printed).not.toContain('signingTime');
  });

  itWithReferee('openssl', 'lee un PKCS#12 exportado por OpenSSL 3 (PBES2, AES-256)', () => {
    const files = { key: path.join(scratch, 'clave.pem'), cert: path.join(scratch, 'cert.pem'), p12: path.join(scratch, 'openssl.p12') };
    expect(openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '30', '-subj', '/C=CL/O=Servicio de Prueba/CN=Sello OpenSSL']).status).toBe(0);
    expect(openssl(['pkcs12', '-export', '-inkey', files.key, '-in', files.cert, '-out', files.p12, '-passout', 'pass:clave']).status).toBe(0);
    const signer = LocalSealSigner.fromPkcs12(readFileSync(files.p12), 'clave');
    expect(signer.describe()).toMatchObject({ kind: 'local-seal', name: 'Sello OpenSSL', subFilter: 'ETSI.CAdES.detached' });
  });

  it('una contraseña incorrecta es un error de configuración tipado', () => {
    let error: unknown;
    try {
      LocalSealSigner.fromPkcs12(readFileSync(dev.sealPkcs12Path), 'otra');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SignerUnavailableError);
    expect(error).toMatchObject({ reason: 'configuration', message: expect.stringContaining('contraseña') });
  });

  it('un archivo inexistente se informa con la ruta', async () => {
    await expect(LocalSealSigner.open(path.join(scratch, 'no-existe.p12'), DEV_PASSWORD)).rejects.toMatchObject({
      reason: 'configuration',
      message: expect.stringContaining('no-existe.p12'),
    });
  });

  it('se niega a firmar fuera de la vigencia de su certificado', async () => {
    const error = await seal.signDigest(Buffer.alloc(32), { signingTime: new Date('2099-01-01T00:00:00Z') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignerRejectedError);
    expect(error).toMatchObject({ reason: 'certificate-expired' });
  });

  it('reserva espacio suficiente para su CMS', async () => {
    const { cms } = await seal.signDigest(Buffer.alloc(32), { signingTime: new Date() });
    expect(cms.length).toBeLessThanOrEqual(seal.describe().maxCmsBytes);
    expect(seal.describe().name).toBe(`${AGENCY} (sello electrónico)`);
  });
});
