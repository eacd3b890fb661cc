import type { WebPage } from '../webRoutes.ts';

export const digitizationPages: WebPage[] = [];
