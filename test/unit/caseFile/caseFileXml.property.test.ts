import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASE_FILE_STATES, MGDEE } from '../../../standards/chile/caseFileMetadata.ts';
import type { CaseFileMetadata } from '../../../standards/chile/caseFileMetadata.ts';
import { MGDDE } from '../../../standards/chile/documentMetadata.ts';
import { buildCaseFileXml } from '../../../standards/caseFile/caseFileXml.ts';
import type { CaseFileIndex, DocumentEntry, IndexEntry, LinkEntry, NestedEntry } from '../../../standards/caseFile/CaseFileIndex.ts';
import { CaseFileXmlError, parseCaseFileXml } from '../../../standards/caseFile/parseCaseFileXml.ts';
import { itWithReferee } from '../../helpers/referee.ts';
import { xmllint } from './fixtures.ts';

/** The parser builds ordinary objects; fast-check would otherwise also generate null-prototype ones. */
const plain = { noNullPrototype: true } as const;

/** Characters XML 1.0 allows; the specials are there so markup, line ends and astral characters come up often. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const xmlChar = fc.oneof(
  fc.constantFrom('&', '<', '>', '"', "'", '\r', '\n', '\r\n', '\t', ' ', ']]>', '&amp;', 'ñ', 'Á', '😀', '\u0085', '\u2028', '\uFEFF', '\u00A0'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !NOT_XML_CHAR.test(c)),
);
const text = (minLength = 0) => fc.string({ unit: xmlChar, minLength, maxLength: 12 });
const nonEmpty = text(1);

const instant = fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });
/** Date texts as agencies may record them: any offset, with or without fractional seconds. */
const dateText = fc
  .tuple(instant, fc.constantFrom('Z', '+00:00', '-03:00', '-04:00', '+14:00', '-12:30'), fc.constantFrom('', '.5', '.123', '.123456'))
  .map(([d, zone, fraction]) => `${d.toISOString().slice(0, 19)}${fraction}${zone}`);
const int = (min: number, max: number) => fc.integer({ min, max });
const sha256 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const httpUri = fc.tuple(fc.constantFrom('http://', 'https://'), nonEmpty).map(([scheme, rest]) => scheme + rest.replace(/\s/g, '_'));

const caseFileActor = fc.record({ relation: int(1, 6), actorType: int(1, 4), id: nonEmpty, name: nonEmpty }, plain);
const relatedAgency = fc.record({ relation: int(1, 4), code: fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/), name: nonEmpty }, plain);

const metadata: fc.Arbitrary<CaseFileMetadata> = fc.record(
  {
    [MGDEE.iuie]: nonEmpty,
    [MGDEE.seriesCode]: nonEmpty,
    [MGDEE.seriesNumber]: int(1, Number.MAX_SAFE_INTEGER),
    [MGDEE.state]: fc.constantFrom(...CASE_FILE_STATES),
    [MGDEE.title]: nonEmpty,
    [MGDEE.summary]: nonEmpty,
    [MGDEE.subject]: nonEmpty,
    [MGDEE.createdAt]: dateText,
    [MGDEE.closedAt]: dateText,
    [MGDEE.incorporation]: int(1, 3),
    [MGDEE.uri]: nonEmpty,
    [MGDEE.agencyCode]: nonEmpty,
    [MGDEE.agencyName]: nonEmpty,
    [MGDEE.relatedAgencies]: fc.array(relatedAgency, { maxLength: 3 }),
    [MGDEE.actors]: fc.array(caseFileActor, { minLength: 1, maxLength: 3 }),
    [MGDEE.accessLevel]: int(1, 4),
    [MGDEE.restrictionEnds]: dateText,
    [MGDEE.warning]: nonEmpty,
    [MGDEE.sensitive]: fc.constantFrom(1 as const, 2 as const),
    [MGDEE.procedureCode]: nonEmpty,
    [MGDEE.procedureName]: nonEmpty,
    [MGDEE.schemaVersion]: fc.stringMatching(/^[0-9]{3}$/),
  },
  {
    ...plain,
    requiredKeys: [
      MGDEE.iuie,
      MGDEE.state,
      MGDEE.title,
      MGDEE.subject,
      MGDEE.createdAt,
      MGDEE.incorporation,
      MGDEE.uri,
      MGDEE.agencyCode,
      MGDEE.agencyName,
      MGDEE.relatedAgencies,
      MGDEE.actors,
      MGDEE.accessLevel,
      MGDEE.sensitive,
      MGDEE.procedureCode,
      MGDEE.schemaVersion,
    ],
  },
) as fc.Arbitrary<CaseFileMetadata>;

/** Every MGDDE field, each optional, valued as the document metadata schema stores it. */
const documentFieldValues: Record<string, fc.Arbitrary<unknown>> = {
  ...Object.fromEntries(Object.values(MGDDE).map((code) => [code, nonEmpty])),
  [MGDDE.sizeKb]: int(0, Number.MAX_SAFE_INTEGER),
  [MGDDE.pages]: int(0, 100_000),
  [MGDDE.keywords]: fc.array(nonEmpty, { maxLength: 3 }),
  [MGDDE.createdAt]: dateText,
  [MGDDE.capturedAt]: dateText,
  [MGDDE.documentType]: int(1, 42),
  [MGDDE.origin]: int(1, 4),
  [MGDDE.incorporation]: int(1, 3),
  [MGDDE.agencyRelation]: int(1, 4),
  [MGDDE.actors]: fc.array(caseFileActor, { maxLength: 3 }),
  [MGDDE.accessLevel]: int(1, 4),
  [MGDDE.sensitive]: int(1, 2),
  [MGDDE.restrictionEnds]: dateText,
  [MGDDE.signatureType]: fc.constantFrom('avanzada', 'simple'),
  [MGDDE.advancedSignature]: int(1, 2),
  [MGDDE.signers]: fc.array(fc.record({ name: nonEmpty, post: nonEmpty, run: nonEmpty }, { ...plain, requiredKeys: ['name'] }), { maxLength: 3 }),
};
const documentFields = fc.record(documentFieldValues, { ...plain, requiredKeys: [] });

const base = { order: fc.constant(0), incorporatedAt: instant, addedBy: nonEmpty, removed: fc.option(fc.record({ at: instant, by: nonEmpty, reason: text() }, plain), { nil: null }) };

const documentEntry: fc.Arbitrary<DocumentEntry> = fc.record(
  {
    kind: fc.constant('document' as const),
    ...base,
    documentIdentifier: nonEmpty,
    version: int(1, 1000),
    title: nonEmpty,
    mediaType: nonEmpty,
    size: int(0, Number.MAX_SAFE_INTEGER),
    sha256,
    firstFolio: int(1, 100_000),
    lastFolio: int(1, 100_000),
    packagePath: nonEmpty,
    fields: documentFields,
  },
  { ...plain, requiredKeys: ['kind', 'order', 'incorporatedAt', 'addedBy', 'removed', 'documentIdentifier', 'version', 'title', 'mediaType', 'size', 'sha256', 'firstFolio', 'lastFolio', 'fields'] },
);

const linkEntry: fc.Arbitrary<LinkEntry> = fc.record({ kind: fc.constant('link' as const), ...base, uri: httpUri, description: text(), sha256: fc.option(sha256, { nil: null }) }, plain);

/** Indexes nested up to `depth` levels below this one; orders 1..n as the service assigns them. */
function caseFileIndex(depth: number): fc.Arbitrary<CaseFileIndex> {
  const entry: fc.Arbitrary<IndexEntry> =
    depth === 0
      ? fc.oneof(documentEntry, linkEntry)
      : fc.oneof(
          documentEntry,
          linkEntry,
          fc.record<NestedEntry>({ kind: fc.constant('case-file' as const), ...base, index: caseFileIndex(depth - 1), indexVersion: int(1, 50), sha256, firstFolio: int(1, 1000), lastFolio: int(1, 1000) }, plain),
        );
  return fc.record(
    {
      metadata,
      indexVersion: fc.option(int(1, 1000), { nil: null }),
      generatedAt: instant,
      entries: fc.array(entry, { maxLength: 4 }).map((entries) => entries.map((e, i) => ({ ...e, order: i + 1 }))),
    },
    plain,
  );
}

const anyIndex = caseFileIndex(2);

describe('case-file XML round trip (fast-check)', () => {
  it('parse(build(x)) equals x, and building it again gives the same bytes', () => {
    fc.assert(
      fc.property(anyIndex, (index) => {
        const xml = buildCaseFileXml(index);
        const back = parseCaseFileXml(xml);
        expect(back).toStrictEqual(index);
        expect(buildCaseFileXml(back)).toBe(xml);
      }),
      { numRuns: 300 },
    );
  });

  it('on damaged XML the parser answers an index or a CaseFileXmlError, never another error', () => {
    const pieces = fc.constantFrom('<', '>', '&', '"', '/', '=', ' ', 'x', '1', '-', '<Metadato codigo="MGDDE62"/>', '</Indice>', '<Retirado/>', '&#1;', 'xmlns="urn:otro"', '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>');
    fc.assert(
      fc.property(anyIndex, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 8 }), pieces), { minLength: 1, maxLength: 4 }), (index, edits) => {
        let xml = buildCaseFileXml(index);
        for (const [at, cut, piece] of edits) {
          const i = at % xml.length;
          xml = xml.slice(0, i) + piece + xml.slice(i + cut);
        }
        try {
          parseCaseFileXml(xml);
        } catch (e) {
          if (!(e instanceof CaseFileXmlError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });

  itWithReferee('xmllint', 'every generated index validates against the XSD', () => {
    const xmls = fc.sample(anyIndex, { numRuns: 60, seed: 20261124 }).map(buildCaseFileXml);
    const result = xmllint(...xmls);
    expect(result.ok, result.output.split('\n').filter((l) => !l.endsWith(' validates')).slice(0, 20).join('\n')).toBe(true);
  });
});
