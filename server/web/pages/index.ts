import type { WebPage } from '../webRoutes.ts';
import { communicationPages } from './communicationPages.ts';

/** Every signed-in page of the web application, one module per desk. */
export const WEB_PAGES: WebPage[] = [...communicationPages];
