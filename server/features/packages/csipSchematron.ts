import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Schema } from 'node-schematron';
import {
  anchorContexts,
  assertionRoles,
  CSIP_PLACEHOLDERS,
  CSIP_RULE_FILE,
  gradeAssertion,
  mergeSchematron,
  substituteVocabularies,
  vocabularyTerms,
  type AssertionContext,
} from '../../../standards/archive/validation/csipRules.ts';
import type { Finding } from '../../../standards/archive/validation/PackageReport.ts';

/** The slice of a slimdom element that grading reads. */
interface ContextNode {
  localName?: string;
  attributes?: Array<{ localName: string; value: string }>;
  parentNode?: { childNodes?: ContextNode[] } | null;
}

const attributesOf = (node: ContextNode) => Object.fromEntries((node.attributes ?? []).map((a) => [a.localName, a.value]));

function describe(node: ContextNode): AssertionContext {
  const attributes = attributesOf(node);
  const siblings = node.parentNode?.childNodes ?? [];
  const softwareAgentBeside = siblings.some((s) => {
    const a = s.localName === 'agent' ? attributesOf(s) : {};
    return a.ROLE === 'CREATOR' && a.TYPE === 'OTHER' && a.OTHERTYPE === 'SOFTWARE';
  });
  return { localName: node.localName ?? '(documento)', attributes, softwareAgentBeside };
}

/**
 * The E-ARK CSIP rules (eark-validator's V2.1.0 set) with their vocabularies substituted and their contexts anchored
 * (anchoredContext: linear instead of quadratic in the METS size), merged into one schema and compiled once;
 * fontoxpath then caches each test the first time it runs.
 */
export class CsipSchematron {
  private constructor(
    private readonly schema: Schema,
    private readonly roles: Map<string, string>,
  ) {}

  static async load(dir: string): Promise<CsipSchematron> {
    const ruleFiles = (await readdir(dir)).filter((f) => CSIP_RULE_FILE.test(f)).sort();
    if (!ruleFiles.length) throw new Error(`no hay archivos CSIP_mets_*_rules.xml en ${dir}`);
    const terms = new Map<string, string[]>();
    for (const { source } of CSIP_PLACEHOLDERS) terms.set(source, vocabularyTerms(source, await readFile(join(dir, source), 'utf8')));
    const texts = await Promise.all(ruleFiles.map(async (f) => anchorContexts(substituteVocabularies(await readFile(join(dir, f), 'utf8'), terms))));
    return new CsipSchematron(Schema.fromString(mergeSchematron(texts)), assertionRoles(texts));
  }

  /** Runs on a METS that already parsed safely (no DOCTYPE), so the engine's own parser never sees entities. */
  check(xml: string, metsPath: string): Finding[] {
    const out: Finding[] = [];
    for (const result of this.schema.validateString(xml)) {
      const id = result.assertId ?? '(sin id)';
      const graded = gradeAssertion(id, this.roles.get(id) ?? 'ERROR', describe(result.context as unknown as ContextNode), metsPath, result.message ?? '');
      if (graded) out.push(graded);
    }
    return out;
  }
}
