import { createHash, type Hash } from 'node:crypto';
import { extname } from 'node:path';
import { SkipLog } from '../skipped.ts';
import { inputError } from '../../errors.ts';

/** What Transformers.js (sharp) decodes, by extension. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'];
/** Image formats people keep next to those that sharp's prebuilt binary or RawImage do not read. */
const UNSUPPORTED_EXTENSIONS = ['.gif', '.bmp', '.tif', '.tiff', '.heic', '.heif', '.avif', '.svg', '.ico'];

export const isImageFile = (name: string) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
export const isUnsupportedImageFile = (name: string) => UNSUPPORTED_EXTENSIONS.includes(extname(name).toLowerCase());

/**
 * Decodes an encoded image fully (sharp fails on truncated data by default) so a bad file is found while
 * reading the data, not in the middle of feature extraction. Returns why it is bad, or null.
 */
export async function imageProblem(bytes: Uint8Array, name: string): Promise<string | null> {
  if (bytes.length === 0) return 'the image file is empty (zero bytes)';
  if (isUnsupportedImageFile(name)) return `unsupported image format '${extname(name)}'; use ${IMAGE_EXTENSIONS.join(', ')}`;
  const { default: sharp } = await import('sharp');
  try {
    const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    if (info.width < 1 || info.height < 1) return 'the image has no pixels';
    return null;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    if (/unsupported image format/i.test(message)) return `unsupported image format (${message}); use ${IMAGE_EXTENSIONS.join(', ')}`;
    return `cannot decode the image (truncated or corrupt): ${message}`;
  }
}

/** Collects rows as they are checked: kept inputs, labels, ids, the content hash and skipped rows. */
export class ImageRows<Input> {
  readonly images: Input[] = [];
  readonly labels: number[] = [];
  readonly ids: string[] = [];
  readonly skipped = new SkipLog();
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly lenient: boolean) {}

  /** Keeps a good row; a bad one fails (one line naming it) or, under lenient, is counted and skipped. */
  add(input: Input, bytes: Uint8Array, label: number, id: string, problem: string | null, where: { file: string; line?: number }): void {
    if (problem !== null) {
      if (!this.lenient) throw inputError(problem, where);
      this.skipped.add(problem.startsWith('unsupported') ? 'unsupported image' : problem.startsWith('the image file is empty') ? 'empty image' : 'unreadable image', where.line ?? this.ids.length + this.skipped.total + 1, `${id}: ${problem}`);
      return;
    }
    this.hash.update(createHash('sha256').update(bytes).digest()).update(`\t${label}\n`);
    this.images.push(input);
    this.labels.push(label);
    this.ids.push(id);
  }

  contentHash(): string {
    return this.hash.copy().digest('hex');
  }
}
