import { html, type Html } from './html.ts';

/** A PDF drawn in the page by pdf.js (legajo.js), a page at a time, with its page count read aloud. */
export function pdfPreview(url: string, label: string): Html {
  return html`<div class="vista-pdf" data-pdf="${url}" data-pdf-label="${label}">
    <canvas role="img" aria-label="${label}: cargando"></canvas>
    <p data-pdf-status aria-live="polite">Cargando la vista previa…</p>
    <div class="acciones">
      <button type="button" class="secundario" data-pdf-prev>Página anterior</button>
      <button type="button" class="secundario" data-pdf-next>Página siguiente</button>
    </div>
  </div>`;
}
