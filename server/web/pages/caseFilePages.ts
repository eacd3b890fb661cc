import type { WebPage } from '../webRoutes.ts';

export const caseFilePages: WebPage[] = [];
