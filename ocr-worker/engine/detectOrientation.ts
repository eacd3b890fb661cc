import sharp from 'sharp';
import type { OcrEngine, OcrOptions } from './OcrEngine.ts';

/** Recognising at half size is enough to tell readable text from upside-down or sideways glyphs, at a quarter of the cost. */
const SCALE = 0.5;
export const ROTATIONS = [0, 90, 180, 270] as const;
export type Rotation = (typeof ROTATIONS)[number];

/**
 * The quarter turn (clockwise, in degrees) that makes a page upright: the page is recognised, downscaled, at each of
 * the three other rotations, and the one Tesseract reads with the highest mean confidence wins if it beats the upright
 * reading's `uprightConfidence` by `margin` points. The installed language data has no OSD model (osd.traineddata),
 * so Tesseract's own orientation detection is not available offline; this costs three small recognitions, and the
 * caller runs it only for pages read with low confidence.
 */
export async function detectOrientation(engine: OcrEngine, page: { png: Buffer; dpi: number }, uprightConfidence: number, opts: OcrOptions, margin = 15): Promise<Rotation> {
  const { width, height } = await sharp(page.png).metadata();
  let best: { rotation: Rotation; confidence: number } = { rotation: 0, confidence: uprightConfidence + margin };
  for (const rotation of [90, 180, 270] as const) {
    const turnedWidth = rotation === 180 ? width! : height!;
    const png = await sharp(page.png).rotate(rotation).resize({ width: Math.round(turnedWidth * SCALE) }).png().toBuffer();
    const { confidence } = await engine.recognize({ png, dpi: page.dpi * SCALE }, opts);
    if (confidence > best.confidence) best = { rotation, confidence };
  }
  return best.rotation;
}
