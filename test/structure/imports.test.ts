import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importStructure, layerOf } from '../../bench/import-structure.ts';

const root = resolve(import.meta.dirname, '..', '..');

describe('import structure', () => {
  it('src/ and cli/ have no import circles and no arrow pointing up a layer', () => {
    const { files, circles, upward } = importStructure(root);
    expect(files.length).toBeGreaterThan(100);
    expect(circles).toEqual([]);
    expect(upward).toEqual([]);
  });

  it('the core module imports nothing outside itself', () => {
    const { edges } = importStructure(root);
    const outside = [...edges].filter(([file]) => file.startsWith('src/core/')).flatMap(([, targets]) => targets.filter((t) => !t.startsWith('src/core/')));
    expect(outside).toEqual([]);
  });

  it('finds a circle and an upward arrow when one is written (type-only and dynamic imports count)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tk-imports-'));
    for (const folder of ['src/encode', 'src/core', 'src/train', 'src/checkpoint', 'cli']) mkdirSync(join(dir, folder), { recursive: true });
    writeFileSync(join(dir, 'src/encode/a.ts'), "import type { B } from './b.ts';\nexport type A = B;\n");
    writeFileSync(join(dir, 'src/encode/b.ts'), "export type B = number;\nexport async function f() { return import('./a.ts'); }\n");
    writeFileSync(join(dir, 'src/train/fit.ts'), "import { save } from '../checkpoint/save.ts';\n");
    writeFileSync(join(dir, 'src/checkpoint/save.ts'), "export const save = 1;\n");
    const { circles, upward } = importStructure(dir);
    expect(circles).toEqual([['src/encode/a.ts', 'src/encode/b.ts']]);
    expect(upward).toEqual(['src/train/fit.ts -> src/checkpoint/save.ts']);
    expect(layerOf('src/backbones/onnx/model.ts')).toBeLessThan(layerOf('src/fixtures/bert.ts'));
    expect(layerOf('src/fixtures/bert.ts')).toBeLessThan(layerOf('src/backbones/load.ts'));
  });
});
