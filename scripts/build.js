#!/usr/bin/env node
// `npm run build` (also run by `prepare`, which npm runs on `npm ci`, `npm install` and `npm pack`): a fresh dist/ with the compiled library and CLI
// (tsc: ESM JavaScript, .d.ts, source maps) and the files they read at run time, at the same relative
// places as in the repository, so `new URL('./html/…', import.meta.url)` and the bundled NLI set resolve
// the same from dist/src as from src.
import { cpSync, chmodSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_STAMP, buildInputsHash } from './build-inputs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const RUNTIME_FILES = ['src/export/html', 'datasets/nli-tiny'];

const inputs = buildInputsHash(root); // before building: a source edited meanwhile makes the stamp stale, not wrong
rmSync(dist, { recursive: true, force: true }); // no stale files from renamed or deleted sources
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
for (const path of RUNTIME_FILES) cpSync(join(root, path), join(dist, path), { recursive: true });
chmodSync(join(dist, 'cli/main.js'), 0o755);
writeFileSync(join(root, BUILD_STAMP), inputs); // last: only a finished build has it
