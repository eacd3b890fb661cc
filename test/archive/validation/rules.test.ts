// The pure rules in standards/archive/validation, case by case.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkBagInfo, checkBagitDeclaration, parseManifest, planBag } from '../../../standards/archive/validation/bagit.ts';
import { anchorContexts, anchoredContext, gradeAssertion, knownRuleDefect, mergeSchematron, substituteVocabularies, vocabularyTerms, type AssertionContext } from '../../../standards/archive/validation/csipRules.ts';
import { LineEndingDigests } from '../../../standards/archive/validation/lineEndingDigests.ts';
import { resolveHref } from '../../../standards/archive/validation/metsReferences.ts';
import { buildReport, finding } from '../../../standards/archive/validation/PackageReport.ts';
import { parseTarHeader, TarFormatError } from '../../../standards/archive/validation/tarHeader.ts';
import type { Finding } from '../../../standards/archive/validation/PackageReport.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('bagit.txt', () => {
  it.each([
    ['BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n', 0],
    ['BagIt-Version: 1.0\r\nTag-File-Character-Encoding: UTF-8', 0],
    ['BagIt-Version : 1.0\nTag-File-Character-Encoding: UTF-8\n', 1],
    ['BagIt-Version: 1.0 \nTag-File-Character-Encoding: UTF-8\n', 1],
    ['BagIt-Version:1.0\nTag-File-Character-Encoding: UTF-8\n', 1],
    ['Tag-File-Character-Encoding: UTF-8\nBagIt-Version: 1.0\n', 1],
    ['BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\nExtra: x\n', 1],
    ['\ufeffBagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n', 1],
  ])('%j → %i error(s)', (text, count) => {
    expect(checkBagitDeclaration(Buffer.from(text)).filter((f) => f.level === 'error')).toHaveLength(count);
  });

  it('warns, without failing, on another version or encoding', () => {
    expect(checkBagitDeclaration(Buffer.from('BagIt-Version: 0.97\nTag-File-Character-Encoding: ISO-8859-1\n')).map((f) => f.level)).toEqual(['warning', 'warning']);
  });
});

describe('manifests', () => {
  it('decodes %25, accepts tabs and several spaces, and lowercases hashes', () => {
    const findings: Finding[] = [];
    // %0A and %0D decode to line breaks, which no safe container name can hold (SAFE-PATH): such a line is refused.
    const m = parseManifest('manifest-sha256.txt', `${'A'.repeat(64)}\t\tdata/a%25b.txt\n${'b'.repeat(64)}   data/con espacio.txt\n`, findings);
    expect(findings).toEqual([]);
    expect([...m.entries]).toEqual([
      ['data/a%b.txt', 'a'.repeat(64)],
      ['data/con espacio.txt', 'b'.repeat(64)],
    ]);
  });

  it('refuses unknown algorithms, wrong hash lengths, traversal and duplicates', () => {
    const findings: Finding[] = [];
    parseManifest('manifest-crc32.txt', 'abcd  data/a\n', findings);
    parseManifest('manifest-sha256.txt', `abc  data/a\n${'0'.repeat(64)}  data/../../etc/passwd\n${'0'.repeat(64)}  data/x\n${'1'.repeat(64)}  data/x\n`, findings);
    expect(findings.map((f) => f.rule)).toEqual(['BAGIT-MANIFEST', 'BAGIT-MANIFEST', 'BAGIT-MANIFEST', 'BAGIT-MANIFEST-DUPLICATE']);
  });

  it('plans exactly the hashes the manifests ask for, and finds a payload file missing from one manifest only', () => {
    const files = new Map([
      ['bagit.txt', 55],
      ['data/a', 1],
      ['data/b', 1],
      ['manifest-sha256.txt', 1],
      ['manifest-md5.txt', 1],
    ]);
    const tagFiles = new Map([
      ['bagit.txt', Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')],
      ['manifest-sha256.txt', Buffer.from(`${sha256('a')}  data/a\n${sha256('b')}  data/b\n`)],
      ['manifest-md5.txt', Buffer.from(`${'0'.repeat(32)}  data/a\n`)],
    ]);
    const plan = planBag({ files, directories: new Set(['data']), tagFiles });
    expect(plan.findings).toEqual([expect.objectContaining({ rule: 'BAGIT-COMPLETENESS', path: 'data/b', message: expect.stringContaining('manifest-md5.txt') })]);
    expect(Object.fromEntries([...plan.needs].map(([p, a]) => [p, [...a].sort()]))).toEqual({ 'data/a': ['md5', 'sha256'], 'data/b': ['sha256'] });
  });

  it('finds an empty bag without data/ and without manifests', () => {
    const plan = planBag({ files: new Map([['bagit.txt', 1]]), directories: new Set(), tagFiles: new Map([['bagit.txt', Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n')]]) });
    expect(plan.findings.map((f) => f.rule)).toEqual(['BAGIT-PAYLOAD', 'BAGIT-MANIFEST']);
  });
});

describe('bag-info.txt', () => {
  const payload = { bytes: 77, files: 1 };
  it('accepts continuation lines, unknown labels and a matching Payload-Oxum', () => {
    expect(checkBagInfo('Source-Organization: Servicio\n  de Prueba\nX-Propia: sí\nPayload-Oxum: 77.1\nBagging-Date: 2026-11-24\nBag-Count: 1 of ?\n', payload)).toEqual([]);
  });
  it.each([
    ['Payload-Oxum: 78.1\n', 'BAGIT-OXUM'],
    ['Payload-Oxum: 77\n', 'BAGIT-OXUM'],
    ['Payload-Oxum: 77.1\nPayload-Oxum: 77.1\n', 'BAGIT-INFO'],
    ['Bagging-Date: 24-11-2026\n', 'BAGIT-INFO'],
    ['Bag-Count: uno\n', 'BAGIT-INFO'],
    ['Source-Organization : Servicio\n', 'BAGIT-INFO'],
    ['  sin etiqueta\n', 'BAGIT-INFO'],
  ])('%j → %s', (text, rule) => {
    expect(checkBagInfo(text, payload).map((f) => f.rule)).toEqual([rule]);
  });
});

describe('line endings', () => {
  it('hashes the text as if converted, also when CR and LF fall in different chunks', () => {
    const d = new LineEndingDigests('sha256');
    for (const chunk of ['uno\n', 'dos\r', '\ntres', '\n']) d.update(Buffer.from(chunk));
    const [crlf, onlyLf] = d.digest();
    expect(crlf).toEqual({ hex: sha256('uno\r\ndos\r\ntres\r\n'), size: 16, convertedTo: 'CRLF' });
    expect(onlyLf).toEqual({ hex: sha256('uno\ndos\ntres\n'), size: 13, convertedTo: 'LF' });
  });
});

describe('METS hrefs', () => {
  it.each([
    ['METS.xml', 'representations/rep1/data/a%20b.txt', 'representations/rep1/data/a b.txt'],
    ['representations/rep1/METS.xml', 'data/x.pdf', 'representations/rep1/data/x.pdf'],
    ['representations/rep1/METS.xml', '../../schemas/mets.xsd', 'schemas/mets.xsd'],
    ['METS.xml', '../fuera', null],
    ['METS.xml', '/etc/passwd', null],
    ['METS.xml', 'file:///etc/passwd', null],
    ['METS.xml', 'https://example.org/x', null],
    ['METS.xml', 'a\\..\\..\\b', null],
  ])('%s + %s → %s', (mets, href, expected) => {
    expect(resolveHref(mets, href)).toBe(expected);
  });
});

describe('E-ARK rules', () => {
  const ctx = (localName: string, attributes: Record<string, string>, softwareAgentBeside = false): AssertionContext => ({ localName, attributes, softwareAgentBeside });

  it('builds vocabulary tests with quotes escaped for XPath and XML, longest placeholder first', () => {
    const terms = new Map([
      ['CSIPVocabularyContentInformationType.xml', ["it's", 'MIXED']],
      ['CSIPVocabularyOAISPackageType.xml', ['SIP']],
      ['CSIPVocabularyStatus.xml', ['CURRENT']],
      ['CSIPVocabularyContentCategory.xml', ['Textual works – Digital', 'a"b&c']],
      ['IANA.txt', ['text/plain']],
    ]);
    const out = substituteVocabularies('<assert test="@TYPE_vocabulary_test and @csip:CONTENTINFORMATIONTYPE_vocabulary_test"/>', terms);
    expect(out).toBe(`<assert test="(@TYPE = ('Textual works – Digital', 'a&quot;b&amp;c')) and (@csip:CONTENTINFORMATIONTYPE = ('it''s', 'MIXED'))"/>`);
    expect(vocabularyTerms('x.xml', '<Term lang="en">A &amp; B</Term><Term>C</Term>')).toEqual(['A & B', 'C']);
    expect(() => substituteVocabularies('x', new Map())).toThrow(/vocabulario/);
    expect(mergeSchematron(['<schema><ns prefix="mets" uri="u"/><pattern id="a"></pattern></schema>', '<schema><ns prefix="mets" uri="u"/><pattern id="b"></pattern></schema>']).match(/<ns /g)).toHaveLength(1);
  });

  it('anchors absolute rule contexts so each node is tested once, keeping predicates and leaving other forms alone', () => {
    expect(anchoredContext('/')).toBe('self::document-node()');
    expect(anchoredContext('/mets:mets')).toBe('self::mets:mets[parent::document-node()]');
    expect(anchoredContext("/mets:mets/mets:structMap[@LABEL = 'CSIP']/mets:div")).toBe("self::mets:div[parent::mets:structMap[@LABEL = 'CSIP'][parent::mets:mets[parent::document-node()]]]");
    expect(anchoredContext("/a:b[@X = 'p/q']/a:c")).toBe("self::a:c[parent::a:b[@X = 'p/q'][parent::document-node()]]");
    for (const other of ['mets:file', '//mets:file', '/a | /b', "/a[@x='"]) expect(anchoredContext(other)).toBe(other);
    expect(anchorContexts(`<rule context="/m:a[@X = 'y']"><assert test="x"/></rule>`)).toBe(`<rule context="self::m:a[@X = 'y'][parent::document-node()]"><assert test="x"/></rule>`);
  });

  it('grades the known defects as warnings only where the rule, not the package, is at fault', () => {
    expect(knownRuleDefect('CSIP63', ctx('fileGrp', { USE: 'Documentation' }))).not.toBeNull();
    expect(knownRuleDefect('CSIP63', ctx('fileGrp', { CONTENTINFORMATIONTYPE: 'OTHER' }))).toBeNull();
    expect(knownRuleDefect('CSIP12', ctx('agent', { ROLE: 'CREATOR', TYPE: 'ORGANIZATION' }, true))).not.toBeNull();
    // Without a software agent beside it the same failure is real: the package lacks the mandatory software agent.
    expect(knownRuleDefect('CSIP12', ctx('agent', { ROLE: 'CREATOR', TYPE: 'ORGANIZATION' }, false))).toBeNull();
    expect(knownRuleDefect('CSIP1', ctx('mets', {}))).toBeNull();
    expect(gradeAssertion('CSIP103', 'ERROR', ctx('div', {}), 'METS.xml', 'm')).toMatchObject({ level: 'warning', message: expect.stringMatching(/^defecto conocido de la regla/) });
    expect(gradeAssertion('CSIP8', 'WARN', ctx('metsHdr', {}), 'METS.xml', 'm')!.level).toBe('warning');
    expect(gradeAssertion('CSIP61', 'INFO', ctx('fileGrp', {}), 'METS.xml', 'm')).toBeNull();
    expect(gradeAssertion('CSIP1', 'ERROR', ctx('mets', {}), 'METS.xml', 'm')!.level).toBe('error');
  });

  it('tolerates in non-strict mode only the documented rules', () => {
    const f = [finding('error', 'CSIP4', 'METS.xml', 'x'), finding('error', 'METS-CHECKSUM', 'a', 'x')];
    expect(buildReport('e-ark', f, { files: 1, bytes: 1 }, false).findings.map((x) => x.level)).toEqual(['warning', 'error']);
    expect(buildReport('e-ark', f.slice(0, 1), { files: 1, bytes: 1 }, false).valid).toBe(true);
    expect(buildReport('e-ark', f.slice(0, 1), { files: 1, bytes: 1 }, true).valid).toBe(false);
  });
});

describe('tar headers', () => {
  it('refuses a block whose checksum does not add up', () => {
    const block = Buffer.alloc(512, 0);
    block.write('nombre', 0);
    block.write('0000017', 148);
    expect(() => parseTarHeader(block)).toThrow(TarFormatError);
    expect(parseTarHeader(Buffer.alloc(512))).toBeNull();
  });
});
