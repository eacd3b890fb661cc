import type { WebPage } from '../webRoutes.ts';

export const searchPage: WebPage[] = [];
