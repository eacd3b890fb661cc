import type { WebPage } from '../webRoutes.ts';

export const documentPages: WebPage[] = [];
