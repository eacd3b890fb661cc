import type { WebPage } from '../webRoutes.ts';
import { archiveCheckPages } from './archiveCheckPages.ts';
import { archiveDispositionPages } from './archiveDispositionPages.ts';
import { archiveSeriesPages } from './archiveSeriesPages.ts';
import { archiveTransferPages } from './archiveTransferPages.ts';

/** The archive desk: series and retention, legal holds, disposal, transfers, package validation, integrity. */
export const archivePages: WebPage[] = [...archiveSeriesPages, ...archiveDispositionPages, ...archiveTransferPages, ...archiveCheckPages];
