// Deterministic OCR-like Spanish administrative text for the search benchmark: Zipf-distributed wording with accents,
// people with valid RUNs in the three usual formats, numbers, dates and amounts, and a share of OCR-damaged words.

/** mulberry32: a small seeded generator, so every run loads the same corpus. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = `de la que el en y a los se del las un por con no una su para es al lo como más o pero sus le ha me si sin sobre
este ya entre cuando todo esta ser son dos también fue había era muy años hasta desde está mi porque qué sólo han yo hay
vez puede todos así nos ni parte tiene él uno donde bien tiempo mismo ese ahora cada e vida otro después te otros aunque
esa eso hace otra gobierno tan durante siempre día tanto ella tres sí dijo sido gran país según menos año antes estado`.split(/\s+/);

const DOMAIN = `resolución exenta convenio colaboración oficio ordinario memorándum decreto supremo ley artículo inciso
letra número expediente solicitud postulación subsidio habitacional vivienda ministerio subsecretaría servicio dirección
regional división jurídica oficina partes jefe jefa departamento unidad administración finanzas presupuesto licitación
pública contrato adjudicación proveedor compras públicas mercado garantía boleta fiel cumplimiento plazo días hábiles
notificación recurso reposición jerárquico apelación sumario administrativo investigación funcionario funcionaria
cargo grado escalafón remuneración honorarios contrata planta transparencia acceso información reclamo consejo
municipalidad alcalde concejo comunal intendencia delegación presidencial región metropolitana valparaíso biobío
araucanía antofagasta magallanes coquimbo ñuble maule tarapacá atacama aysén lagos ríos arica parinacota higgins
certificado copia autorizada firma electrónica avanzada sello tiempo fecha emisión vigencia caducidad renovación
permiso edificación patente comercial municipal derecho aseo domiciliario avalúo fiscal contribuciones tesorería
reintegro devolución pago cuota arancel matrícula beca estudiante establecimiento educacional liceo escuela colegio
salud hospital consultorio atención primaria licencia médica isapre fonasa previsión pensión jubilación invalidez
sobrevivencia asignación familiar bono aporte beneficio fiscalización inspección multa infracción sanción apercibimiento
medida cautelar demanda tribunal juzgado corte apelaciones suprema sentencia ejecutoriada fallo considerando vistos
teniendo presente antecedentes acompañados documento adjunto anexo informe técnico evaluación ambiental proyecto
obra pública vialidad puente camino ruta pavimentación agua potable alcantarillado sanitario electricidad energía
telecomunicaciones transporte locomoción colectiva terminal aeropuerto puerto aduana exportación importación arancel
agrícola ganadero forestal pesca acuicultura minería cobre litio concesión servidumbre inscripción registro propiedad
conservador bienes raíces notaría escritura mandato poder representante legal sociedad anónima limitada empresa
individual responsabilidad rol único tributario cédula identidad nacional extranjero residencia temporal definitiva
visa migración refugio asilo nacionalidad carta naturalización matrimonio divorcio pensión alimentos tuición cuidado
personal adopción menor edad mayor adulto discapacidad registro social hogares calificación socioeconómica vulnerabilidad`.split(/\s+/);

const GIVEN = `María José Juana Ana Carolina Francisca Javiera Catalina Valentina Camila Constanza Fernanda Daniela Pedro Juan
Luis Carlos Jorge Andrés Sebastián Matías Nicolás Felipe Cristóbal Tomás Benjamín Joaquín Ignacio Rodrigo Héctor Raúl
Óscar Iván Mónica Inés Begoña Belén Ximena Solange Marisol Verónica Patricia Gonzalo Álvaro Martín Agustín`.split(/\s+/);
const SURNAMES = `González Muñoz Rojas Díaz Pérez Soto Contreras Silva Martínez Sepúlveda Morales Rodríguez López Fuentes
Hernández Torres Araya Flores Espinoza Valenzuela Castillo Ramírez Reyes Gutiérrez Castro Vargas Álvarez Vásquez
Tapia Fernández Sánchez Carrasco Gómez Cortés Herrera Núñez Jara Vergara Rivera Figueroa Riquelme García Miranda
Bravo Vera Molina Vega Campos Sandoval Orellana Zúñiga Olivares Alarcón Gallardo Ortiz Garrido Salazar Guzmán Henríquez
Saavedra Navarro Aguilera Parra Romero Aravena Pizarro Godoy Peña Cáceres Leiva Escobar Yáñez Valdés Vidal Salinas
Cárdenas Jiménez Ruiz Lagos Maldonado Bustos Medina Pino Palma Moreno Sanhueza Carvajal Navarrete Sáez Alvarado Donoso
Poblete Bustamante Toro Ortega Venegas Guerrero Paredes Farías Acuña Ibáñez Quiroz Montecinos Mella Cisternas Ávila`.split(/\s+/);
const MONTHS = 'enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre'.split(' ');

/** The RUN check digit (módulo 11). */
export function runCheckDigit(body: number): string {
  let sum = 0;
  let factor = 2;
  for (let n = body; n > 0; n = Math.floor(n / 10)) {
    sum += (n % 10) * factor;
    factor = factor === 7 ? 2 : factor + 1;
  }
  const dv = 11 - (sum % 11);
  return dv === 11 ? '0' : dv === 10 ? 'K' : String(dv);
}

export const runFormats = (body: number): [string, string, string] => {
  const dv = runCheckDigit(body);
  const dotted = String(body).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return [`${dotted}-${dv}`, `${body}-${dv}`, `${body}${dv}`];
};

// What OCR does to print: letters read as look-alike digits or letters, accents lost or misread.
const DAMAGE: Array<[RegExp, string]> = [
  [/o/, '0'], [/l/, '1'], [/ó/, '6'], [/í/, 'i'], [/e/, 'c'], [/m/, 'rn'], [/a/, 'o'], [/s/, '5'], [/é/, 'e'], [/u/, 'n'],
];

const SYLLABLES = 'ca que pil lo mar quen tru co hue la ten chu ra ma nan ti rre gua mu lle pe ñu dal bo ri fe sán ví ló cún'.split(' ');
/** The long tail: place names, terms and surnames seen in few documents, made of syllables (index → word, stable). */
export const TAIL_WORDS = 50_000;
export function tailWord(i: number): string {
  let w = '';
  for (let n = i + SYLLABLES.length * SYLLABLES.length; n > 0; n = Math.floor(n / SYLLABLES.length)) w += SYLLABLES[n % SYLLABLES.length];
  return w;
}

export interface CorpusDocument {
  title: string;
  text: string;
  /** RUN bodies that appear in the text (for queries known to hit). */
  runs: number[];
}

/** A generator of documents; the vocabulary is Zipf-weighted so some words are everywhere and most are rare. */
export function spanishCorpus(seed: number) {
  const random = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  // Zipf over the domain words: rank r has weight 1/r.
  const vocabulary = [...COMMON, ...DOMAIN];
  const weights = vocabulary.map((_, r) => 1 / (r + 1));
  const cumulative: number[] = [];
  weights.reduce((acc, w, i) => (cumulative[i] = acc + w), 0);
  const total = cumulative[cumulative.length - 1]!;
  const zipfWord = () => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo]!;
  };
  const damaged = (w: string) => {
    const [pattern, by] = pick(DAMAGE);
    return pattern.test(w) ? w.replace(pattern, by) : w;
  };
  const person = () => `${pick(GIVEN)} ${pick(SURNAMES)} ${pick(SURNAMES)}`;
  const date = () => `${1 + Math.floor(random() * 28)} de ${pick(MONTHS)} de ${2015 + Math.floor(random() * 12)}`;

  return function next(): CorpusDocument {
    const words = 300 + Math.floor(1700 * random() ** 2);
    const runs: number[] = [];
    const out: string[] = [];
    let sentence = 0;
    while (out.length < words) {
      const roll = random();
      let w: string;
      if (roll < 0.004) {
        const body = 5_000_000 + Math.floor(random() * 20_000_000);
        runs.push(body);
        w = `${person()}, RUN ${pick(runFormats(body))},`;
      } else if (roll < 0.01) w = `N° ${1 + Math.floor(random() * 9999)}`;
      else if (roll < 0.014) w = `de fecha ${date()}`;
      else if (roll < 0.017) w = `$${(1000 + Math.floor(random() * 99_999_000)).toLocaleString('es-CL')}`;
      else if (roll < 0.025) w = pick(SURNAMES);
      else if (roll < 0.06) w = tailWord(Math.floor(TAIL_WORDS * random() ** 3));
      else w = zipfWord();
      if (random() < 0.03) w = damaged(w);
      if (sentence === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
      sentence++;
      if (sentence > 8 && random() < 0.12) {
        w += random() < 0.15 ? '.\n' : '.';
        sentence = 0;
      }
      out.push(w);
    }
    const title = `${pick(['Resolución exenta', 'Oficio ordinario', 'Memorándum', 'Decreto', 'Informe técnico', 'Certificado', 'Solicitud'])} sobre ${zipfWord()} ${pick(DOMAIN)} de ${pick(SURNAMES)}`;
    return { title, text: out.join(' '), runs };
  };
}

export const CORPUS_SURNAMES = SURNAMES;
