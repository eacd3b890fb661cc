import type { WebPage } from '../webRoutes.ts';

export const archivePages: WebPage[] = [];
