/** Generated image data for the vision tests: class folders of small PNGs whose classes differ in colour. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../../src/fixtures/random.ts';

/** Mean RGB per class: reddish, greenish, bluish. Pixels get +-40 noise so no two images are alike. */
export const CLASS_COLOURS: Record<string, [number, number, number]> = { red: [200, 60, 60], green: [60, 200, 60], blue: [60, 60, 200] };

export async function noisyImage(colour: [number, number, number], seed: number, side = 16): Promise<Buffer> {
  const next = mulberry32(seed);
  const raw = Buffer.alloc(side * side * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.max(0, Math.min(255, colour[i % 3] + Math.round((next() - 0.5) * 80)));
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

/** root/<class>/<n>.png, `perClass` images per class. */
export async function writeClassFolders(root: string, perClass: number, seed: number): Promise<void> {
  for (const [name, colour] of Object.entries(CLASS_COLOURS)) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) await sharp(await noisyImage(colour, seed * 1000 + i)).toFile(join(root, name, `${String(i).padStart(3, '0')}.png`));
  }
}
