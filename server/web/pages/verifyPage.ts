import { DomainError } from '../../errors.ts';
import type { FixedWindowLimiter } from '../../http/fixedWindowLimiter.ts';
import type { Services } from '../../services.ts';
import { momento, numero } from '../format.ts';
import { html, type Html } from '../html.ts';
import { publicPage } from '../layout.ts';

/** The public answer to "is this copy authentic?", for a person who followed the link printed on it. */
export async function verifyPage(services: Services, limiter: FixedWindowLimiter, code: string, ip: string): Promise<{ status: number; body: Html }> {
  const title = 'Verificación de copia autorizada';
  try {
    limiter.take(ip);
    const v = await services.copies.verify(code);
    return {
      status: 200,
      body: publicPage({
        title,
        body: html`<p class="aviso ok" role="status"><strong>Copia auténtica.</strong> El código corresponde a una copia emitida por ${v.issuer.name} (${v.issuer.code}).</p>
<dl class="ficha">
  <dt>Tipo</dt><dd>${v.kind}</dd>
  <dt>Identificador</dt><dd>${v.identifier}</dd>
  <dt>Versión</dt><dd>${numero(v.version)}</dd>
  <dt>Título</dt><dd>${v.title ?? 'No se muestra: el documento no es de acceso público.'}</dd>
  <dt>Nivel de acceso</dt><dd>${v.accessLevel}</dd>
  <dt>Emitida</dt><dd>${momento(v.issuedAt)}</dd>
  <dt>SHA-256 de la copia</dt><dd><code class="hash">${v.copy.sha256}</code></dd>
  <dt>Tamaño de la copia</dt><dd>${numero(v.copy.size)} bytes</dd>
</dl>
<p>Para comprobar que el PDF que tiene es exactamente esa copia, calcule su SHA-256 (por ejemplo <code>sha256sum copia.pdf</code>) y compárelo con el de arriba.</p>`,
      }),
    };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return {
      status: err.status,
      body: publicPage({
        title,
        body: html`<p class="aviso error" role="alert"><strong>${err.status === 404 ? 'No verificada.' : 'No se pudo verificar.'}</strong> ${err.message}</p>
<p>Revise que el código esté escrito igual que en la copia. Si la copia no se puede verificar, consulte a la institución que la emitió.</p>`,
      }),
    };
  }
}
