import type { Disposition, Trigger } from '../../features/archive/effectiveSchedule.ts';
import type { Method } from '../../http/route.ts';
import { html, type Html } from '../html.ts';
import type { WebRequest } from '../webRoutes.ts';

/** The archive desk's pages, each shown in the tabs only to those the API lets read it. */
const TABS: Array<{ href: string; label: string; reads: [Method, string] }> = [
  { href: '/archivo', label: 'Series y retención', reads: ['get', '/v1/series'] },
  { href: '/archivo/retenciones', label: 'Retenciones legales', reads: ['get', '/v1/legal-holds'] },
  { href: '/archivo/disposiciones', label: 'Eliminaciones', reads: ['get', '/v1/dispositions'] },
  { href: '/archivo/transferencias', label: 'Transferencias', reads: ['get', '/v1/transfers'] },
  { href: '/archivo/paquetes', label: 'Validar paquetes', reads: ['post', '/v1/packages/validate'] },
  { href: '/archivo/fixity', label: 'Integridad', reads: ['get', '/v1/fixity/alerts'] },
];

export function archiveTabs(w: WebRequest, current: string): Html {
  const tabs = TABS.filter((t) => w.can.call(t.reads[0], t.reads[1]));
  return html`<nav class="pestanas" aria-label="Secciones del archivo">${tabs.map((t) => html`<a href="${t.href}"${t.href === current ? html` aria-current="page"` : ''}>${t.label}</a>`)}</nav>`;
}

/** An archive page: the layout with the archive section marked and the tabs above the content. */
export function archivePage(w: WebRequest, tab: string, title: string, body: Html): Html {
  return w.render({ title, section: '/archivo', body: html`<div class="archivo">${archiveTabs(w, tab)}${body}</div>` });
}

export const DISPOSITION_LABEL: Record<Disposition, string> = {
  transfer: 'Transferencia al Archivo Nacional (conservación permanente)',
  destroy: 'Eliminación',
  review: 'Revisión por un archivero',
};

export const TRIGGER_LABEL: Record<Trigger, string> = {
  closed: 'Cierre del expediente',
  final: 'Documento final',
  date: 'Fecha fija',
};

export const caseFileLink = (iuie: string): Html => html`<a href="/expedientes/${encodeURIComponent(iuie)}">${iuie}</a>`;

/** `years` as people say it: 1 año, 5 años. */
export const years = (n: number): string => `${n} ${n === 1 ? 'año' : 'años'}`;

/** Every archive form ends the same way: its error box (filled by legajo.js with the API's problem) and its button. */
export const formEnd = (label: string, kind = ''): Html => html`<div class="error-form" tabindex="-1"></div>
<button type="submit"${kind ? html` class="${kind}"` : ''}>${label}</button>`;
