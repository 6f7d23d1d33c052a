import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferKitError } from '../../src/errors.ts';
import { CIFAR10_LABELS, loadImageDataset } from '../../src/data/images/index.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const cifarSample = resolve(repoRoot, '../shared/data/cifar10-sample');
const haveSample = existsSync(cifarSample);
if (!haveSample) console.warn(`skipping CIFAR-10 sample tests: ${cifarSample} is absent`);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tk-images-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CIFAR-10 record whose planes are recognisable: R = (seed + i) % 256, G = 7, B = 255 - R. */
function cifarRecord(label: number, seed: number): Buffer {
  const record = Buffer.alloc(3073);
  record[0] = label;
  for (let i = 0; i < 1024; i++) {
    record[1 + i] = (seed + i) % 256;
    record[1 + 1024 + i] = 7;
    record[1 + 2048 + i] = 255 - ((seed + i) % 256);
  }
  return record;
}

async function inputFailure(run: Promise<unknown>): Promise<TransferKitError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransferKitError);
  expect((error as TransferKitError).exitCode).toBe(2);
  return error as TransferKitError;
}

describe('CIFAR-10 binary batches', () => {
  let folder: string;
  beforeAll(() => {
    folder = join(dir, 'cifar-10-batches-bin');
    mkdirSync(folder);
    writeFileSync(join(folder, 'data_batch_1.bin'), Buffer.concat([cifarRecord(6, 0), cifarRecord(9, 50)]));
    writeFileSync(join(folder, 'data_batch_2.bin'), cifarRecord(4, 100));
    writeFileSync(join(folder, 'test_batch.bin'), Buffer.concat([cifarRecord(3, 200), cifarRecord(8, 10), cifarRecord(0, 20)]));
  });

  it('reads the train batches of a folder in order, channels first, with the CIFAR-10 class names', async () => {
    const data = await loadImageDataset(folder);
    expect([data.height, data.width]).toEqual([32, 32]);
    expect(Array.from(data.labels)).toEqual([6, 9, 4]);
    expect(data.labelNames).toEqual(CIFAR10_LABELS);
    expect(data.images).toHaveLength(3 * 3072);
    const second = data.images.subarray(3072, 2 * 3072);
    expect([second[0], second[1023], second[1024], second[2048]]).toEqual([50, (50 + 1023) % 256, 7, 205]);
    expect(data.files).toBeUndefined();
  });

  it('reads the test batch by split or by file, and stops at maxSamples', async () => {
    expect(Array.from((await loadImageDataset(folder, { split: 'test' })).labels)).toEqual([3, 8, 0]);
    const one = await loadImageDataset(join(folder, 'test_batch.bin'), { maxSamples: 2 });
    expect(Array.from(one.labels)).toEqual([3, 8]);
    expect(one.images).toHaveLength(2 * 3072);
  });

  it('reports a truncated record and a label over 9 by record number; lenient skips them', async () => {
    const truncated = join(dir, 'data_batch_7.bin');
    writeFileSync(truncated, Buffer.concat([cifarRecord(1, 0), cifarRecord(2, 0).subarray(0, 1000)]));
    const cut = await inputFailure(loadImageDataset(truncated));
    expect(cut.line).toBe(`${truncated}:2: record 2 is cut short (1000 of 3073 bytes; the file size 4073 is not a multiple of 3073)`);
    const lenient = await loadImageDataset(truncated, { lenient: true });
    expect(Array.from(lenient.labels)).toEqual([1]);
    expect(lenient.skipped).toEqual([{ reason: 'truncated record', count: 1, firstLines: [2], example: expect.stringContaining('record 2 is cut short') }]);

    const badLabel = join(dir, 'test_batch.bin');
    writeFileSync(badLabel, Buffer.concat([cifarRecord(12, 0), cifarRecord(5, 0)]));
    const error = await inputFailure(loadImageDataset(badLabel));
    expect(error.line).toBe(`${badLabel}:1: record 1 has label 12; CIFAR-10 labels are 0-9`);
    expect(Array.from((await loadImageDataset(badLabel, { lenient: true })).labels)).toEqual([5]);
  });
});

describe('image folders', () => {
  it('decodes PNG exactly into channels-first RGB (alpha dropped, grey expanded), classes sorted', async () => {
    const root = join(dir, 'pngs');
    mkdirSync(join(root, 'zebra'), { recursive: true });
    mkdirSync(join(root, 'apple'), { recursive: true });
    // 2x2 RGBA: red, green / blue, white; 2x2 grey 0, 85 / 170, 255.
    const rgba = Buffer.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255, 255, 255, 255, 0]);
    await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toFile(join(root, 'zebra', 'a.png'));
    await sharp(Buffer.from([0, 85, 170, 255]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(join(root, 'apple', 'b.png'));
    writeFileSync(join(root, 'apple', 'notes.txt'), 'not an image');

    const data = await loadImageDataset(root);
    expect(data.labelNames).toEqual(['apple', 'zebra']);
    expect(Array.from(data.labels)).toEqual([0, 1]);
    expect(data.files).toEqual([join(root, 'apple', 'b.png'), join(root, 'zebra', 'a.png')]);
    expect([data.height, data.width]).toEqual([2, 2]);
    expect(Array.from(data.images.subarray(0, 12))).toEqual([0, 85, 170, 255, 0, 85, 170, 255, 0, 85, 170, 255]);
    expect(Array.from(data.images.subarray(12, 24))).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
  });

  it('reports an undecodable image and an image of another size by file; lenient skips them', async () => {
    const root = join(dir, 'mixed');
    mkdirSync(join(root, 'cat'), { recursive: true });
    const pixel = (side: number) => sharp(Buffer.alloc(side * side * 3, 100), { raw: { width: side, height: side, channels: 3 } }).png();
    await pixel(4).toFile(join(root, 'cat', '1.png'));
    await pixel(8).toFile(join(root, 'cat', '2.png'));
    writeFileSync(join(root, 'cat', '3.jpg'), 'definitely not a jpeg');
    await pixel(4).toFile(join(root, 'cat', '4.png'));

    const size = await inputFailure(loadImageDataset(root));
    expect(size.where.file).toBe(join(root, 'cat', '2.png'));
    expect(size.message).toBe('the image is 8x8, the first one (cat/1.png) is 4x4; images must share one size');

    const lenient = await loadImageDataset(root, { lenient: true });
    expect(lenient.files).toEqual([join(root, 'cat', '1.png'), join(root, 'cat', '4.png')]);
    expect(lenient.skipped.map((s) => [s.reason, s.firstLines])).toEqual([
      ['different size', [2]],
      ['unreadable image', [3]],
    ]);
    await pixel(4).toFile(join(root, 'cat', '2.png'));
    const corrupt = await inputFailure(loadImageDataset(root));
    expect(corrupt.where.file).toBe(join(root, 'cat', '3.jpg'));
    expect(corrupt.message).toMatch(/^cannot decode the image: /);
  });

  it('rejects a missing source and a folder without class folders', async () => {
    expect((await inputFailure(loadImageDataset(join(dir, 'nowhere')))).message).toBe('image dataset not found');
    mkdirSync(join(dir, 'flat'));
    writeFileSync(join(dir, 'flat', 'x.png'), '');
    expect((await inputFailure(loadImageDataset(join(dir, 'flat')))).message).toContain('no class folders');
  });
});

describe.skipIf(!haveSample)('shared CIFAR-10 sample (../shared/data/cifar10-sample)', () => {
  it('reads train (2,000) and test (1,000) JPEGs: 32x32, ten classes, 200 / 100 per class', async () => {
    for (const [split, perClass] of [
      ['train', 200],
      ['test', 100],
    ] as const) {
      const data = await loadImageDataset(join(cifarSample, split));
      expect(data.labelNames).toEqual(CIFAR10_LABELS);
      expect([data.height, data.width]).toEqual([32, 32]);
      expect(data.images).toHaveLength(perClass * 10 * 3 * 32 * 32);
      const counts = new Array(10).fill(0);
      for (const label of data.labels) counts[label]++;
      expect(counts).toEqual(new Array(10).fill(perClass));
      expect(data.files![0]).toBe(join(cifarSample, split, 'airplane', '0000.jpg'));
    }
  });

  it('keeps classes balanced under maxSamples', async () => {
    const data = await loadImageDataset(join(cifarSample, 'train'), { maxSamples: 20 });
    expect(Array.from(data.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
