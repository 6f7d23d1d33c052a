import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferKitError } from '../../src/errors.ts';
import { CIFAR10_LABELS, loadImageDataset } from '../../src/data/images/index.ts';
import type { RawImageLike } from '../../src/core/index.ts';
import { titleUnless } from '../helpers/shared.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const cifarSample = resolve(repoRoot, '../shared/data/cifar10-sample');
const haveSample = existsSync(cifarSample);

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

  it('reads the train batches of a folder in order as 32x32 RGB images (channels last), with the CIFAR-10 class names', async () => {
    const data = await loadImageDataset(folder);
    expect(Array.from(data.labels!)).toEqual([6, 9, 4]);
    expect(data.labelNames).toEqual(CIFAR10_LABELS);
    expect(data.images).toHaveLength(3);
    const second = data.images[1] as RawImageLike;
    expect([second.width, second.height, second.channels]).toEqual([32, 32, 3]);
    // pixel 0 is (R, G, B) = (50, 7, 205); pixel 1023's red is (50 + 1023) % 256
    expect(Array.from(second.data.subarray(0, 3))).toEqual([50, 7, 205]);
    expect(second.data[1023 * 3]).toBe((50 + 1023) % 256);
    expect(data.ids).toEqual([`${join(folder, 'data_batch_1.bin')}:1`, `${join(folder, 'data_batch_1.bin')}:2`, `${join(folder, 'data_batch_2.bin')}:1`]);
  });

  it('reads the test batch by split or by file, and stops at maxSamples', async () => {
    expect(Array.from((await loadImageDataset(folder, { split: 'test' })).labels!)).toEqual([3, 8, 0]);
    const one = await loadImageDataset(join(folder, 'test_batch.bin'), { maxSamples: 2 });
    expect(Array.from(one.labels!)).toEqual([3, 8]);
    expect(one.images).toHaveLength(2);
  });

  it('reports a truncated record and a label over 9 by record number; lenient skips them', async () => {
    const truncated = join(dir, 'data_batch_7.bin');
    writeFileSync(truncated, Buffer.concat([cifarRecord(1, 0), cifarRecord(2, 0).subarray(0, 1000)]));
    const cut = await inputFailure(loadImageDataset(truncated));
    expect(cut.line).toBe(`${truncated}:2: record 2 is cut short (1000 of 3073 bytes; the file size 4073 is not a multiple of 3073)`);
    const lenient = await loadImageDataset(truncated, { lenient: true });
    expect(Array.from(lenient.labels!)).toEqual([1]);
    expect(lenient.skipped).toEqual([{ reason: 'truncated record', count: 1, firstLines: [2], example: expect.stringContaining('record 2 is cut short') }]);

    const badLabel = join(dir, 'test_batch.bin');
    writeFileSync(badLabel, Buffer.concat([cifarRecord(12, 0), cifarRecord(5, 0)]));
    const error = await inputFailure(loadImageDataset(badLabel));
    expect(error.line).toBe(`${badLabel}:1: record 1 has label 12; CIFAR-10 labels are 0-9`);
    expect(Array.from((await loadImageDataset(badLabel, { lenient: true })).labels!)).toEqual([5]);
  });
});

describe('image folders', () => {
  it('lists class folders in sorted order as file paths, interleaved by class, ignoring non-image files', async () => {
    const root = join(dir, 'pngs');
    mkdirSync(join(root, 'zebra'), { recursive: true });
    mkdirSync(join(root, 'apple'), { recursive: true });
    const rgba = Buffer.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255, 255, 255, 255, 0]);
    await sharp(rgba, { raw: { width: 2, height: 2, channels: 4 } }).png().toFile(join(root, 'zebra', 'a.png'));
    await sharp(Buffer.from([0, 85, 170, 255]), { raw: { width: 2, height: 2, channels: 1 } }).png().toFile(join(root, 'apple', 'b.png'));
    await sharp(Buffer.alloc(4 * 4 * 3, 9), { raw: { width: 4, height: 4, channels: 3 } }).webp().toFile(join(root, 'apple', 'c.webp'));
    writeFileSync(join(root, 'apple', 'notes.txt'), 'not an image');

    const data = await loadImageDataset(root);
    expect(data.labelNames).toEqual(['apple', 'zebra']);
    expect(Array.from(data.labels!)).toEqual([0, 1, 0]);
    expect(data.images).toEqual([join(root, 'apple', 'b.png'), join(root, 'zebra', 'a.png'), join(root, 'apple', 'c.webp')]);
    expect(data.ids).toEqual(data.images);
    expect(data.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('each bad image is one input error naming the file; lenient skips and counts them', async () => {
    const root = join(dir, 'bad');
    mkdirSync(join(root, 'cat'), { recursive: true });
    const good = await sharp(Buffer.alloc(8 * 8 * 3, 100), { raw: { width: 8, height: 8, channels: 3 } }).jpeg().toBuffer();
    writeFileSync(join(root, 'cat', '1.jpg'), good);
    const cases: [string, Buffer | string, RegExp][] = [
      ['2-empty.png', Buffer.alloc(0), /^the image file is empty \(zero bytes\)$/],
      ['3-truncated.jpg', good.subarray(0, Math.floor(good.length / 2)), /^cannot decode the image \(truncated or corrupt\): /],
      ['4-corrupt.png', 'definitely not a png', /^(cannot decode the image|unsupported image format)/],
      ['5-old.gif', 'GIF89a', /^unsupported image format '\.gif'/],
    ];
    for (const [name, bytes, message] of cases) {
      writeFileSync(join(root, 'cat', name), bytes);
      const error = await inputFailure(loadImageDataset(root));
      expect(error.where.file).toBe(join(root, 'cat', name));
      expect(error.message).toMatch(message);
      rmSync(join(root, 'cat', name));
    }
    for (const [name, bytes] of cases) writeFileSync(join(root, 'cat', name), bytes);
    const lenient = await loadImageDataset(root, { lenient: true });
    expect(lenient.images).toEqual([join(root, 'cat', '1.jpg')]);
    expect(lenient.skipped.reduce((n, s) => n + s.count, 0)).toBe(4);
  });

  it('a folder with no images, and a validation class folder the training set does not have', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'cat'), { recursive: true });
    writeFileSync(join(empty, 'cat', 'readme.txt'), 'x');
    expect((await inputFailure(loadImageDataset(empty))).message).toMatch(/^no \.jpg, \.jpeg, \.png, \.webp files in the class folders/);
    const val = join(dir, 'val');
    mkdirSync(join(val, 'unicorn'), { recursive: true });
    await sharp(Buffer.alloc(12, 1), { raw: { width: 2, height: 2, channels: 3 } }).png().toFile(join(val, 'unicorn', 'u.png'));
    const unknown = await inputFailure(loadImageDataset(val, { labelNames: ['cat', 'dog'] }));
    expect(unknown.where.file).toBe(join(val, 'unicorn'));
    expect(unknown.message).toBe("class folder 'unicorn' is not a class of the training set (cat, dog)");
  });

  it('rejects a missing source and a folder without class folders', async () => {
    expect((await inputFailure(loadImageDataset(join(dir, 'nowhere')))).message).toBe('image dataset not found');
    mkdirSync(join(dir, 'flat'));
    writeFileSync(join(dir, 'flat', 'x.png'), '');
    expect((await inputFailure(loadImageDataset(join(dir, 'flat')))).message).toContain('no class folders');
  });
});

describe.skipIf(!haveSample)(titleUnless(haveSample, 'shared CIFAR-10 sample (../shared/data/cifar10-sample)', cifarSample), () => {
  it('reads train (2,000) and test (1,000) JPEGs: 32x32, ten classes, 200 / 100 per class', async () => {
    for (const [split, perClass] of [
      ['train', 200],
      ['test', 100],
    ] as const) {
      const data = await loadImageDataset(join(cifarSample, split));
      expect(data.labelNames).toEqual(CIFAR10_LABELS);
      expect(data.images).toHaveLength(perClass * 10);
      const counts = new Array(10).fill(0);
      for (const label of data.labels!) counts[label]++;
      expect(counts).toEqual(new Array(10).fill(perClass));
      expect(data.images[0]).toBe(join(cifarSample, split, 'airplane', '0000.jpg'));
    }
  });

  it('keeps classes balanced under maxSamples', async () => {
    const data = await loadImageDataset(join(cifarSample, 'train'), { maxSamples: 20 });
    expect(Array.from(data.labels!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
