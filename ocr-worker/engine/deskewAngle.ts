import sharp from 'sharp';

/** Pages are searched at this width: text lines stay several pixels high, and the search takes milliseconds. */
const SEARCH_WIDTH = 800;
const MAX_DEGREES = 5;

/**
 * The small rotation (within ±5°) that makes a page's text lines horizontal, by projection profile: dark pixels of a
 * downscaled, binarised page are projected onto the vertical axis at each candidate angle, and the angle whose
 * profile is most peaked (largest sum of squared row counts) wins — lines of text then fall into few rows, with
 * white rows between. Coarse steps of 0.5°, then 0.1° around the best. Returns degrees to rotate clockwise to
 * straighten the page (sharp's `rotate` sense); 0 for a blank page.
 */
export async function deskewAngle(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).resize({ width: SEARCH_WIDTH, withoutEnlargement: true }).toColourspace('b-w').threshold(128).raw().toBuffer({ resolveWithObject: true });
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * info.channels]! === 0) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length === 0) return 0;
  const diagonal = Math.ceil(Math.hypot(info.width, info.height));
  const bins = new Float64Array(2 * diagonal + 1);
  const score = (degrees: number) => {
    const radians = (degrees * Math.PI) / 180;
    const [sin, cos] = [Math.sin(radians), Math.cos(radians)];
    bins.fill(0);
    for (let i = 0; i < xs.length; i++) bins[Math.round(ys[i]! * cos + xs[i]! * sin) + diagonal]! += 1;
    let sum = 0;
    for (const count of bins) sum += count * count;
    return sum;
  };
  const best = (from: number, to: number, step: number, start: number) => {
    let [angle, value] = [start, score(start)];
    for (let a = from; a <= to + 1e-9; a += step) {
      const s = score(a);
      if (s > value) [angle, value] = [a, s];
    }
    return angle;
  };
  const coarse = best(-MAX_DEGREES, MAX_DEGREES, 0.5, 0);
  const fine = best(coarse - 0.4, coarse + 0.4, 0.1, coarse);
  // `+ 0` turns -0 into 0.
  return Math.round(fine * 10) / 10 + 0;
}
