import { finding, type Finding } from './PackageReport.ts';

/**
 * The eark-validator rule files carry placeholders for the CSIP vocabularies; each becomes a test that @X equals one
 * of the terms of its source (SOURCES.md in the rules folder). It is written as the XPath 2+ general comparison
 * `(@X = ('term1', 'term2', …))`, which means exactly what SOURCES.md's `(@X = 'term1') or (@X = 'term2') …` means
 * (also false when @X is absent) but compiles in milliseconds instead of seconds for the 2,000 IANA media types.
 */
export const CSIP_PLACEHOLDERS: ReadonlyArray<{ placeholder: string; attribute: string; source: string }> = [
  { placeholder: '@csip:CONTENTINFORMATIONTYPE_vocabulary_test', attribute: '@csip:CONTENTINFORMATIONTYPE', source: 'CSIPVocabularyContentInformationType.xml' },
  { placeholder: '@csip:OAISPACKAGETYPE_vocabulary_test', attribute: '@csip:OAISPACKAGETYPE', source: 'CSIPVocabularyOAISPackageType.xml' },
  { placeholder: '@STATUS_vocabulary_test', attribute: '@STATUS', source: 'CSIPVocabularyStatus.xml' },
  { placeholder: '@TYPE_vocabulary_test', attribute: '@TYPE', source: 'CSIPVocabularyContentCategory.xml' },
  { placeholder: '@MIMETYPE_IANA_test', attribute: '@MIMETYPE', source: 'IANA.txt' },
];

export const CSIP_RULE_FILE = /^CSIP_mets_[A-Za-z]+_rules\.xml$/;

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const escapeXmlAttribute = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** The `<Term>` values of a DILCIS vocabulary file, or the lines of IANA.txt. */
export function vocabularyTerms(source: string, text: string): string[] {
  if (source.endsWith('.txt')) return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  return [...text.matchAll(/<Term\b[^>]*>([^<]*)<\/Term>/g)].map((m) => unescapeXml(m[1]!).trim()).filter(Boolean);
}

/** Replaces every placeholder (longest names first, as some contain others) with its test, escaped for an XML attribute. */
export function substituteVocabularies(ruleText: string, terms: ReadonlyMap<string, readonly string[]>): string {
  let out = ruleText;
  for (const p of [...CSIP_PLACEHOLDERS].sort((a, b) => b.placeholder.length - a.placeholder.length)) {
    const values = terms.get(p.source);
    if (!values?.length) throw new Error(`vocabulario vacío o ausente: ${p.source}`);
    const test = `(${p.attribute} = (${values.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ')}))`;
    out = out.split(p.placeholder).join(escapeXmlAttribute(test));
  }
  return out;
}

/** Splits an XPath location path on "/" outside predicates and string literals. */
function pathSteps(path: string): string[] | null {
  const steps: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let current = '';
  for (const ch of path) {
    if (quote) quote = ch === quote ? null : quote;
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === '/' && depth === 0) {
      steps.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  steps.push(current);
  return quote || depth ? null : steps;
}

/**
 * A rule context as a pattern tested on each node. node-schematron finds a rule's nodes with `//(context)`, which
 * for an absolute path like `/mets:mets/mets:fileSec/mets:fileGrp/mets:file` re-walks the path from the root for every
 * node of the document: quadratic, minutes for a METS of a few thousand files. The same nodes are those that are
 * `mets:file` with a `mets:fileGrp` parent … up to the document, which costs one step per ancestor:
 * `self::mets:file[parent::mets:fileGrp[parent::mets:fileSec[parent::mets:mets[parent::document-node()]]]]`.
 * Contexts that are not plain absolute child paths are left as they are.
 */
export function anchoredContext(context: string): string {
  if (context === '/') return 'self::document-node()';
  const steps = pathSteps(context);
  if (!steps || steps[0] !== '' || steps.length < 2 || steps.slice(1).some((s) => !/^[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?(\[.*\])*$/.test(s))) return context;
  const [last, ...ancestors] = steps.slice(1).reverse();
  const inner = ancestors.reduceRight((acc, step) => `parent::${step}[${acc}]`, 'parent::document-node()');
  return `self::${last}[${inner}]`;
}

/** Every rule context of a rule file rewritten with anchoredContext. */
export function anchorContexts(ruleText: string): string {
  return ruleText.replace(/(<rule\b[^>]*\bcontext=")([^"]*)(")/g, (_, before: string, context: string, after: string) => `${before}${escapeXmlAttribute(anchoredContext(unescapeXml(context)))}${after}`);
}

/** The rule files' patterns and namespaces in one schema, so each METS is parsed and walked once. */
export function mergeSchematron(ruleTexts: readonly string[]): string {
  const ns = new Map<string, string>();
  const patterns: string[] = [];
  for (const text of ruleTexts) {
    for (const m of text.matchAll(/<ns\b[^>]*\/>/g)) ns.set(/prefix="([^"]*)"/.exec(m[0])?.[1] ?? m[0], m[0]);
    for (const m of text.matchAll(/<pattern\b[\s\S]*?<\/pattern>/g)) patterns.push(m[0]);
  }
  return `<schema xmlns="http://purl.oclc.org/dsdl/schematron">\n${[...ns.values(), ...patterns].join('\n')}\n</schema>`;
}

/** Each assertion's role (ERROR, WARN, INFO) by id; the engine reports ids but not roles. */
export function assertionRoles(ruleTexts: readonly string[]): Map<string, string> {
  const roles = new Map<string, string>();
  for (const text of ruleTexts) {
    for (const m of text.matchAll(/<(?:assert|report)\b[^>]*>/g)) {
      const id = /\bid="([^"]+)"/.exec(m[0])?.[1];
      if (id) roles.set(id, /\brole="([^"]+)"/.exec(m[0])?.[1] ?? 'ERROR');
    }
  }
  return roles;
}

/** The element an assertion failed on, as much of it as grading needs. */
export interface AssertionContext {
  localName: string;
  /** Attributes by local name (TYPE, OTHERTYPE, CONTENTINFORMATIONTYPE…). */
  attributes: Record<string, string>;
  /** For an agent: whether its metsHdr also has the software agent (ROLE=CREATOR TYPE=OTHER OTHERTYPE=SOFTWARE). */
  softwareAgentBeside: boolean;
}

const DEFECT = 'defecto conocido de la regla';
const AGENT_RULES = new Set(['CSIP12', 'CSIP13', 'CSIP14', 'CSIP15', 'CSIP16']);

/**
 * Why a failed assertion is the rule's fault rather than the package's (archive-packages.md §2.3), or null:
 * - CSIP63 fails every fileGrp without csip:CONTENTINFORMATIONTYPE (XPath `!=` on an absent attribute); only
 *   OTHER without OTHERCONTENTINFORMATIONTYPE is a real violation;
 * - CSIP12-16 apply to every agent with ROLE=CREATOR, so they fail the SIP profile's organisation and contact
 *   agents; they are real only when no software agent exists beside them;
 * - CSIP103 demands a div LABEL="Representations" that CSIP101 makes optional and that packages written with
 *   `Representations/<rep>` divs (commons-ip, the DILCIS corpus) do not have.
 */
export function knownRuleDefect(id: string, ctx: AssertionContext): string | null {
  if (id === 'CSIP63') {
    const real = ctx.attributes.CONTENTINFORMATIONTYPE === 'OTHER' && !ctx.attributes.OTHERCONTENTINFORMATIONTYPE;
    return real ? null : 'CSIP63 falla en todo fileGrp sin csip:CONTENTINFORMATIONTYPE';
  }
  if (AGENT_RULES.has(id) && ctx.localName === 'agent') {
    const software = ctx.attributes.TYPE === 'OTHER' && ctx.attributes.OTHERTYPE === 'SOFTWARE';
    return !software && ctx.softwareAgentBeside ? `${id} se aplica también a agentes que no son el software (${ctx.attributes.TYPE ?? 'sin TYPE'})` : null;
  }
  if (id === 'CSIP103') return 'CSIP103 exige un div "Representations" que CSIP101 hace opcional';
  return null;
}

/** A failed E-ARK assertion as a finding: WARN and known defects as warnings, INFO dropped, ERROR as error. */
export function gradeAssertion(id: string, role: string, ctx: AssertionContext, metsPath: string, message: string): Finding | null {
  if (role === 'INFO') return null;
  const text = message.replace(/\s+/g, ' ').trim();
  const defect = role === 'ERROR' ? knownRuleDefect(id, ctx) : null;
  if (defect) return finding('warning', id as `CSIP${number}`, metsPath, `${DEFECT} (${defect}): ${text}`);
  return finding(role === 'ERROR' ? 'error' : 'warning', id as `CSIP${number}`, metsPath, `regla E-ARK ${id} en <${ctx.localName}>: ${text}`);
}
