// The text layer of one PDF, read by pdf.js in a worker thread started by extractPdfText.ts: pdf.js inflates streams
// without a bound, so it runs under its own heap limit and can be terminated. Plain JavaScript because worker
// threads do not go through the TypeScript loader of the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

const { bytes, maxPages, maxChars, cMapUrl, standardFontDataUrl } = workerData;

const message = (err) => String((err && err.message) || err);

async function extract() {
  const task = getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, useSystemFonts: false, disableFontFace: true, verbosity: 0, cMapUrl, cMapPacked: true, standardFontDataUrl });
  let doc;
  try {
    doc = await task.promise;
  } catch (err) {
    return { ok: false, problem: err && err.name === 'PasswordException' ? 'encrypted' : 'damaged', message: message(err) };
  }
  const pages = [];
  let chars = 0;
  let failed = 0;
  let lastError = '';
  for (let n = 1; n <= Math.min(doc.numPages, maxPages) && chars < maxChars; n++) {
    try {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      const text = content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join('');
      page.cleanup();
      pages.push(text);
      chars += text.length;
    } catch (err) {
      // One damaged page does not hide the text of the others.
      failed++;
      lastError = message(err);
      pages.push('');
    }
  }
  await task.destroy();
  if (failed === pages.length) return { ok: false, problem: 'damaged', message: lastError };
  return { ok: true, text: pages.join('\n\f\n'), pagesRead: pages.length - failed, pageCount: doc.numPages };
}

extract().then(
  (result) => parentPort.postMessage(result),
  (err) => parentPort.postMessage({ ok: false, problem: 'damaged', message: message(err) }),
);
