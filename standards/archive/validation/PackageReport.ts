/** What a package validation found; `valid` is true when no finding is an error. */
export type PackageKind = 'bagit+e-ark' | 'e-ark' | 'bagit';

export type FindingLevel = 'error' | 'warning';

export interface Finding {
  level: FindingLevel;
  /** A stable id from RULES, or an E-ARK requirement id (CSIP1, CSIP63…) for a Schematron assertion. */
  rule: string;
  /** Path inside the package (relative to its root), or '' for the package as a whole. */
  path: string;
  message: string;
}

export interface PackageReport {
  valid: boolean;
  /** null when the package is neither a bag nor an E-ARK package (or could not be opened safely). */
  kind: PackageKind | null;
  /** false when CSIP 2.0.x deviations and line-ending damage were tolerated as warnings (see TOLERATED_RULES). */
  strict: boolean;
  findings: Finding[];
  checked: { files: number; bytes: number };
}

/** Every rule id besides the E-ARK ones, with what it checks; the README lists the same table. */
export const RULES = {
  'SAFE-CONTAINER': 'el contenedor es un tar, un zip o una carpeta legible, sin entradas cifradas ni dañadas',
  'SAFE-PATH': 'ningún nombre con "..", ruta absoluta, "\\", unidad de Windows, segmento vacío ni carácter de control',
  'SAFE-LINK': 'ningún enlace simbólico, enlace duro, dispositivo ni FIFO',
  'SAFE-DUPLICATE': 'ningún nombre repetido',
  'SAFE-CASE': 'ningún par de nombres que solo difieren en mayúsculas/minúsculas',
  'SAFE-LIMIT': 'número de entradas, tamaño por entrada, tamaño total y razón de compresión acotados (bomba zip)',
  'PACKAGE-KIND': 'el paquete es una bolsa BagIt, un paquete E-ARK, o ambos',
  CSIPSTR4: 'la raíz del paquete E-ARK (o data/ de la bolsa) tiene METS.xml',
  'BAGIT-DECLARATION': 'bagit.txt tiene exactamente "BagIt-Version: 1.0" y "Tag-File-Character-Encoding: UTF-8"',
  'BAGIT-PAYLOAD': 'existe el directorio data/',
  'BAGIT-MANIFEST': 'hay al menos un manifest-<alg>.txt legible, con algoritmos conocidos y rutas bajo data/',
  'BAGIT-MANIFEST-DUPLICATE': 'ningún archivo aparece dos veces en un mismo manifiesto',
  'BAGIT-COMPLETENESS': 'cada archivo de data/ está en cada manifiesto y cada archivo listado existe',
  'BAGIT-FIXITY': 'cada hash de cada manifiesto (de carga y de etiquetas) coincide con los bytes',
  'BAGIT-TAGMANIFEST': 'los tagmanifest listan los manifiestos de carga, no listan data/ ni otros tagmanifest, y lo listado existe',
  'BAGIT-INFO': 'bag-info.txt tiene líneas "Etiqueta: valor" y las etiquetas reservadas tienen formato válido',
  'BAGIT-OXUM': 'Payload-Oxum coincide con los bytes y el número de archivos de data/',
  'BAGIT-FETCH': 'la bolsa está completa: no depende de fetch.txt',
  'XML-WELLFORMED': 'cada METS y PREMIS es XML bien formado, sin DOCTYPE',
  XSD: 'cada METS es válido contra METS 1.12.1 + extensiones CSIP/SIP + PREMIS 3 (eark-mets-all)',
  'PREMIS-XSD': 'cada PREMIS referenciado por un mdRef MDTYPE="PREMIS" es válido contra premis-v3-0.xsd',
  'METS-HREF': 'cada FLocat, mdRef y mptr apunta a un archivo que existe dentro del paquete',
  'METS-HREF-CASE': 'el archivo referenciado existe, pero con otras mayúsculas/minúsculas',
  'METS-CHECKSUM': 'cada CHECKSUM coincide con el archivo, en el CHECKSUMTYPE que declara',
  'METS-CHECKSUM-EOL': 'el CHECKSUM solo coincide cambiando los finales de línea (LF/CRLF): el archivo fue normalizado después de empaquetarse',
  'METS-SIZE': 'cada SIZE coincide con el tamaño del archivo',
  'METS-UNREFERENCED': 'cada archivo bajo representations/ está referenciado por algún METS',
  'VALIDATOR-CONFIG': 'los esquemas XSD y las reglas Schematron están disponibles (ARCHIVE_XSD_DIR, ARCHIVE_SCHEMATRON_DIR)',
} as const;

export type RuleId = keyof typeof RULES;

/**
 * Rules that the non-strict mode reports as warnings: deviations of CSIP 2.0.x packages under the 2.1.0 rules (the
 * DILCIS test corpus targets 2.0.4), PREMIS files that fail the strict PREMIS 3 schema, and reference-data damage
 * that leaves the content intact (line endings normalised by git, a reference whose letter case differs).
 * Everything else — safety, BagIt, fixity, missing files, the other CSIP rules — stays an error in both modes.
 */
export const TOLERATED_RULES: ReadonlySet<string> = new Set(['CSIP2', 'CSIP4', 'CSIP5', 'PREMIS-XSD', 'METS-CHECKSUM-EOL', 'METS-HREF-CASE']);

export function finding(level: FindingLevel, rule: RuleId | `CSIP${number}`, path: string, message: string): Finding {
  return { level, rule, path, message };
}

/** Applies the grading mode and closes the report. */
export function buildReport(kind: PackageKind | null, findings: Finding[], checked: { files: number; bytes: number }, strict: boolean): PackageReport {
  const graded = strict ? findings : findings.map((f) => (f.level === 'error' && TOLERATED_RULES.has(f.rule) ? { ...f, level: 'warning' as const, message: `${f.message} (tolerado en modo no estricto)` } : f));
  return { valid: !graded.some((f) => f.level === 'error'), kind, strict, findings: graded, checked };
}
