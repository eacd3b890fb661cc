import type { WebPage } from '../webRoutes.ts';
import { archivePages } from './archivePages.ts';
import { caseFilePages } from './caseFilePages.ts';
import { communicationPages } from './communicationPages.ts';
import { digitizationPages } from './digitizationPages.ts';
import { documentPages } from './documentPages.ts';
import { searchPage } from './searchPage.ts';

/** Every signed-in page of the web application, one module per desk. */
export const WEB_PAGES: WebPage[] = [...communicationPages, ...documentPages, ...caseFilePages, ...digitizationPages, ...searchPage, ...archivePages];
