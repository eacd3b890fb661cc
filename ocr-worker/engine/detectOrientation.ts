import sharp from 'sharp';
import type { OcrEngine, OcrOptions } from './OcrEngine.ts';

/** Recognising at half size is enough to tell readable text from upside-down or sideways glyphs, at a quarter of the cost. */
const SCALE = 0.5;
/** Tesseract reads a page turned a quarter clockwise almost as well as an upright one (measured); within this many points the two are taken as that pair. */
const SIDEWAYS_TIE = 10;

/**
 * The quarter turn (clockwise, in degrees) that makes a page upright. The installed language data has no OSD model
 * (osd.traineddata), so Tesseract's own orientation detection is not available offline: the page is recognised,
 * downscaled, at the three other turns, and the one read with the highest mean confidence wins if it beats the
 * upright reading's `uprightConfidence` by `margin` points. Tesseract's layout analysis also reads a page lying a
 * quarter turn clockwise, so when the turn one quarter before the best reads about as well, that one is upright.
 * Costs three small recognitions; the caller runs it only for pages read with low confidence.
 */
export async function detectOrientation(engine: OcrEngine, page: { png: Buffer; dpi: number }, uprightConfidence: number, opts: OcrOptions, margin = 15): Promise<number> {
  const { width, height } = await sharp(page.png).metadata();
  const confidence = new Map<number, number>([[0, uprightConfidence]]);
  for (const rotation of [90, 180, 270]) {
    const turnedWidth = rotation === 180 ? width! : height!;
    const png = await sharp(page.png).rotate(rotation).resize({ width: Math.round(turnedWidth * SCALE) }).png().toBuffer();
    confidence.set(rotation, (await engine.recognize({ png, dpi: page.dpi * SCALE }, opts)).confidence);
  }
  const best = [90, 180, 270].reduce((a, b) => (confidence.get(b)! > confidence.get(a)! ? b : a));
  if (confidence.get(best)! < uprightConfidence + margin) return 0;
  const before = (best + 270) % 360;
  return before !== 0 && confidence.get(before)! >= confidence.get(best)! - SIDEWAYS_TIE ? before : best;
}
