/**
 * The package as a user gets it: `npm pack` (which runs the build through `prepare` unless dist/ is current), the tarball
 * installed into a fresh project offline from the local npm cache, then the CLI, the README's library
 * example in plain Node ESM, and a TypeScript consumer type-checked against the shipped .d.ts.
 * The only test that uses dist/: every other test runs the sources.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BUILD_STAMP, buildInputsHash } from '../../scripts/build-inputs.js';
import { scratchFolder } from '../helpers/tiny-model.ts';

const exec = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface PackEntry {
  filename: string;
  size: number;
  entryCount: number;
  files: { path: string }[];
}

/**
 * The consumer's lockfile: our own (the production part), with transferkit from the tarball. With it
 * `npm ci --offline` resolves everything from the npm cache that `npm ci` here filled (a fresh
 * `npm install` would need the registry's package metadata, which that cache does not keep).
 */
async function consumerLock(tarball: string): Promise<object> {
  const lock = JSON.parse(await readFile(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const integrity = `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { transferkit: `file:${tarball}` } },
    'node_modules/transferkit': { version: pkg.version, resolved: `file:${tarball}`, integrity, license: pkg.license, dependencies: pkg.dependencies, optionalDependencies: pkg.optionalDependencies, bin: pkg.bin, engines: pkg.engines },
  };
  for (const [path, entry] of Object.entries(lock.packages)) if (path && !entry.dev && !entry.link) packages[path] = entry;
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

const LIBRARY_EXAMPLE = `
import { runFinetune, defaultFinetuneConfig, TransferModel } from 'transferkit';
const outcome = await runFinetune({ ...defaultFinetuneConfig(), model: 'bundled:tiny-bert', outputDir: 'runs/demo', epochs: 1 }, { emit: (e) => {} });
const model = await TransferModel.loadFromCheckpoint('runs/demo/checkpoint/best');
model.freeze();
const { labels, probabilities } = await model.predict([{ text: 'A man sleeps.', textPair: 'A man is awake.' }]);
const extractor = model.asFeatureExtractor();
console.log(JSON.stringify({ n: outcome.eval.validation.n, labels, sum: probabilities[0].reduce((a, b) => a + b, 0), dim: extractor.dim }));
`;

const TS_CONSUMER = `
import { TransferModel, defaultFinetuneConfig, type FinetuneConfig, type Prediction } from 'transferkit';
const config: FinetuneConfig = { ...defaultFinetuneConfig(), model: 'bundled:tiny-bert' };
export async function labelsOf(dir: string): Promise<string[]> {
  const model = await TransferModel.loadFromCheckpoint(dir, { offline: true });
  const prediction: Prediction = await model.predict([{ text: 'a', textPair: 'b' }]);
  return prediction.labels;
}
// The types are real, not any: these must be errors.
// @ts-expect-error loadFromCheckpoint takes a folder name
void TransferModel.loadFromCheckpoint(42);
// @ts-expect-error epochs is a number
export const bad: FinetuneConfig = { ...config, epochs: 'three' };
`;

describe('the npm package', () => {
  const scratch = scratchFolder('transferkit-package-');

  it('packs, installs offline into a fresh project, and works from plain Node, npx and TypeScript', async () => {
    const packDir = join(scratch.dir, 'pack');
    await mkdir(packDir);
    // `npm ci` built dist/ (prepare) and npm pack would build it again: it skips that (--ignore-scripts) only
    // when the build's stamp says the sources, settings and compiler are the ones dist/ was built from.
    const built = await readFile(join(repoRoot, BUILD_STAMP), 'utf8').catch(() => 'none');
    const current = built === buildInputsHash(repoRoot);
    const packed = await exec(npm, ['pack', '--json', '--pack-destination', packDir, ...(current ? ['--ignore-scripts'] : [])], { cwd: repoRoot, maxBuffer: 64 << 20 });
    const [entry] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as PackEntry[];
    const paths = entry.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/index.js.map', 'dist/src/export/html/head-view.html', 'dist/src/export/html/head-view.js', 'dist/datasets/nli-tiny/train.tsv', 'dist/datasets/nli-tiny/validation.tsv']));
    expect(paths.filter((p) => !p.startsWith('dist/') && !['LICENSE', 'README.md', 'package.json'].includes(p))).toEqual([]);
    expect(paths.some((p) => /\.ts$/.test(p) && !p.endsWith('.d.ts'))).toBe(false);
    expect(paths.some((p) => p.startsWith('dist/cli/') && p.includes('.d.ts'))).toBe(false);
    expect(paths).not.toContain(BUILD_STAMP);
    console.log(`tarball ${entry.filename}: ${entry.size} bytes, ${entry.entryCount} files (dist/ ${current ? 'was current: not rebuilt' : 'built by npm pack'})`);

    const app = join(scratch.dir, 'app');
    await mkdir(app);
    const tarball = join(packDir, entry.filename);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { transferkit: `file:${tarball}` } }));
    await writeFile(join(app, 'package-lock.json'), JSON.stringify(await consumerLock(tarball)));
    // --ignore-scripts: dependencies' install scripts would download (ONNX Runtime's CUDA libraries,
    // libtensorflow), which an offline machine cannot; TransferKit itself has none.
    await exec(npm, ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: app, maxBuffer: 64 << 20 });

    const env = { ...process.env, TRANSFERKIT_CACHE: join(scratch.dir, 'cache'), HF_HUB_OFFLINE: '1' };
    const help = await exec('npx', ['--offline', 'transferkit', '--help'], { cwd: app, env });
    expect(help.stdout).toMatch(/^Usage: transferkit <command>/);
    for (const command of ['finetune', 'predict', 'push', 'pull', 'attention']) expect(help.stdout).toContain(`  ${command} `);
    expect(help.stderr).not.toMatch(/Unknown (project|user) config/);

    await writeFile(join(app, 'example.mjs'), LIBRARY_EXAMPLE);
    const example = await exec(process.execPath, ['example.mjs'], { cwd: app, env });
    const result = JSON.parse(example.stdout.trim().split('\n').at(-1)!) as { n: number; labels: string[]; sum: number; dim: number };
    expect(result.n).toBe(600); // the bundled NLI set's validation split, read from inside the package
    expect(['entailment', 'neutral', 'contradiction']).toContain(result.labels[0]);
    expect(result.sum).toBeCloseTo(1, 5);
    expect(result.dim).toBe(32);

    // The HTML head view's assets, read from inside the package.
    await exec('npx', ['--offline', 'transferkit', 'attention', '--model', 'bundled:tiny-bert', '--text', 'A man sleeps.', '--out', 'view.html'], { cwd: app, env });
    expect(await readFile(join(app, 'view.html'), 'utf8')).toContain('<html');

    await writeFile(join(app, 'consumer.ts'), TS_CONSUMER);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(repoRoot, 'node_modules/@types')] }, files: ['consumer.ts'] }),
    );
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    const typecheck = await exec(process.execPath, [tsc, '-p', app], { cwd: app }).catch((error: { stdout: string }) => error);
    expect(typecheck.stdout).toBe('');
  }, 900_000); // build, pack and an install of ~220 packages: minutes on two cores
});
