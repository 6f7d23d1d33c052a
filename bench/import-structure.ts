/**
 * The import structure of src/ and cli/: every relative import (static, type-only, re-export and dynamic
 * import()) as a file graph, its circles, and the arrows that point back up the data path. Run with
 * `npm run check:imports`; test/structure/imports.test.ts fails when either list is not empty.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Layers, lowest first: a file may import its own layer or a lower one. Longest prefix wins, so the ONNX
 * graph library under backbones/onnx sits below fixtures (which writes ONNX files) and backbones (which load
 * the generated bundled model).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['src/core', 'src/errors.ts', 'src/io'],
  // src/hub is the hub client (token and endpoint settings, cached downloads, errors) that data and checkpoints share.
  ['src/backbones/onnx', 'src/data', 'src/encode', 'src/hub'],
  ['src/fixtures'],
  ['src/backbones'],
  ['src/features'],
  ['src/heads'],
  ['src/train'],
  // next-commands.ts is plain text shared by the plain summary and the Ink one, despite its folder.
  ['src/report', 'src/checkpoint', 'src/report/ink/next-commands.ts'],
  ['src/model', 'src/export'],
  ['src/run'],
  // The Ink trainer's setup screen fills in a finetune config, so it sits above run/.
  ['src/report/ink'],
  ['src/index.ts', 'cli'],
];

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

export interface ImportStructure {
  files: string[];
  edges: Map<string, string[]>;
  circles: string[][];
  upward: string[];
}

export function layerOf(file: string): number {
  let best = { rank: -1, length: -1 };
  LAYERS.forEach((prefixes, rank) => {
    for (const prefix of prefixes) {
      if ((file === prefix || file.startsWith(`${prefix}/`)) && prefix.length > best.length) best = { rank, length: prefix.length };
    }
  });
  return best.rank;
}

export function importStructure(root: string): ImportStructure {
  const files = ['src', 'cli'].flatMap((dir) => sourceFiles(join(root, dir))).map((f) => relative(root, f)).sort();
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = new Set<string>();
    for (const match of text.matchAll(IMPORT)) {
      const target = relative(root, resolve(root, dirname(file), match[1]));
      if (known.has(target)) targets.add(target);
    }
    edges.set(file, [...targets].sort());
  }
  const upward: string[] = [];
  for (const [file, targets] of edges) {
    for (const target of targets) {
      if (layerOf(target) > layerOf(file)) upward.push(`${file} -> ${target}`);
    }
  }
  return { files, edges, circles: stronglyConnected(edges).filter((c) => c.length > 1 || edges.get(c[0])!.includes(c[0])), upward };
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** Tarjan's algorithm: every group of files that reach each other (a circle) comes out as one component. */
function stronglyConnected(edges: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { files, edges, circles, upward } = importStructure(root);
  const arrows = [...edges.values()].reduce((n, t) => n + t.length, 0);
  console.log(`${files.length} files, ${arrows} imports; layers (lowest first):`);
  LAYERS.forEach((prefixes, rank) => console.log(`  ${rank}: ${prefixes.join(', ')}`));
  console.log(`circles: ${circles.length}`);
  for (const circle of circles) console.log(`  ${circle.join(' <-> ')}`);
  console.log(`arrows pointing up a layer: ${upward.length}`);
  for (const arrow of upward) console.log(`  ${arrow}`);
  process.exitCode = circles.length + upward.length > 0 ? 1 : 0;
}
