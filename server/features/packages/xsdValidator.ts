import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryPages, validateXML, type XMLFileInfo } from 'xmllint-wasm';

/** The driver that imports the local XLink schema first, so no catalog and no network are needed (shared/xsd/README.md). */
const METS_DRIVER = 'eark-mets-all-nocatalog.xsd';
const PREMIS_SCHEMA = 'premis/premis-v3-0.xsd';

export interface XmlDocument {
  path: string;
  xml: string;
}

/**
 * METS and PREMIS validation with libxml2 (xmllint-wasm), offline. The schema texts are read once; each call
 * validates a batch of documents so libxml2 compiles the schema once per package, not once per file.
 */
export class XsdValidator {
  private constructor(
    private readonly driver: XMLFileInfo,
    private readonly preload: XMLFileInfo[],
    private readonly premis: XMLFileInfo,
  ) {}

  static async load(dir: string): Promise<XsdValidator> {
    const driverText = await readFile(join(dir, METS_DRIVER), 'utf8');
    // The driver's imports name the files to preload, by the relative paths libxml2 will ask for.
    const locations = [...driverText.matchAll(/schemaLocation="([^"]+)"/g)].map((m) => m[1]!);
    const preload = await Promise.all(locations.map(async (fileName) => ({ fileName, contents: await readFile(join(dir, fileName), 'utf8') })));
    const premis = preload.find((f) => f.fileName === PREMIS_SCHEMA) ?? { fileName: PREMIS_SCHEMA, contents: await readFile(join(dir, PREMIS_SCHEMA), 'utf8') };
    return new XsdValidator({ fileName: METS_DRIVER, contents: driverText }, preload, premis);
  }

  validateMets(docs: XmlDocument[]): Promise<Map<string, string[]>> {
    return this.run(docs, this.driver, this.preload);
  }

  validatePremis(docs: XmlDocument[]): Promise<Map<string, string[]>> {
    return this.run(docs, this.premis, []);
  }

  /** Errors by document path; warnings (e.g. "Skipping import … already imported") are dropped. */
  private async run(docs: XmlDocument[], schema: XMLFileInfo, preload: XMLFileInfo[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(docs.map((d) => [d.path, []]));
    if (!docs.length) return out;
    // Package paths never reach libxml2's file system: each document gets a neutral name.
    const names = docs.map((_, i) => `documento-${i}.xml`);
    const size = docs.reduce((sum, d) => sum + d.xml.length, 0);
    const result = await validateXML({
      xml: docs.map((d, i) => ({ fileName: names[i]!, contents: d.xml })),
      schema: [schema],
      preload,
      // Room for the documents several times over (DOM plus validation state), within wasm's 4 GiB.
      maxMemoryPages: Math.min(memoryPages.max, Math.max(memoryPages.defaultMaxMemoryPages, Math.ceil((size * 8) / (64 * 1024)) + 256 * 16)),
    });
    for (const e of result.errors) {
      if (!e.loc || /warning/i.test(e.message)) continue;
      const i = names.indexOf(e.loc.fileName);
      if (i >= 0) out.get(docs[i]!.path)!.push(`línea ${e.loc.lineNumber}: ${e.message.replace(/^.*?(Schemas validity error|parser error)\s*:\s*/, '')}`);
    }
    if (!result.valid && [...out.values()].every((errors) => !errors.length)) {
      for (const d of docs) out.get(d.path)!.push(`libxml2 no validó el documento: ${result.rawOutput.slice(0, 500)}`);
    }
    return out;
  }
}
