/** A small index-like document with an element carrying an Id, sealed in both modes by the XML-seal tests. */
export const EX = 'urn:legajo:expediente';
export const INDEX = `<?xml version="1.0" encoding="UTF-8"?>
<ex:expediente xmlns:ex="${EX}" xmlns:mg="urn:legajo:mgdee">
  <ex:metadatos mg:codigo="MGDEE1_1">E-2026-000123</ex:metadatos>
  <ex:indice Id="indice-v1">
    <!-- los comentarios no se firman (XMLDSig los excluye de las referencias) -->
    <ex:documento orden="1">Oficio N° 15 &amp; anexo</ex:documento>
    <ex:documento orden="2">Resolución exenta N° 42</ex:documento>
  </ex:indice>
  <ex:firmas/>
</ex:expediente>
`;
