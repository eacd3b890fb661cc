import { fechaHora } from '../format.ts';
import { html } from '../html.ts';
import type { WebPage } from '../webRoutes.ts';

/** The records office's inbox and outbox of official communications. */
export const communicationPages: WebPage[] = [
  {
    path: '/bandeja',
    async handler(w) {
      w.can.require('get', '/v1/communications');
      const box = w.ctx.query.caja === 'salida' ? 'outbox' : 'inbox';
      const rows = await w.services.communications.list(w.session.actor, { box, limit: 50 });
      return w.render({
        title: box === 'inbox' ? 'Bandeja de entrada' : 'Bandeja de salida',
        section: '/bandeja',
        body: html`<ul>${rows.map((r) => html`<li>${r.item.subject} · ${fechaHora(r.item.createdAt)}</li>`)}</ul>`,
      });
    },
  },
];
