// What `npm run build` reads, hashed. build.js records the hash in dist/ when it succeeds, so the packaging
// test can tell whether dist/ (built by `npm ci`'s prepare) is what a new build would give, and pack it
// without building a second time (a full tsc run: about 20 s of CPU).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where build.js records the hash (left out of the package by package.json's `files`). */
export const BUILD_STAMP = 'dist/.build-inputs';

/** Sources, the files copied as they are, the compiler settings, the build itself, and the lockfile (the compiler's version). */
const INPUTS = ['src', 'cli', 'datasets/nli-tiny', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', 'scripts/build-inputs.js', 'package.json', 'package-lock.json'];

/** sha256 over every input file's path and content, in path order. */
export function buildInputsHash(root) {
  const hash = createHash('sha256');
  for (const path of INPUTS.flatMap((input) => files(root, input)).sort()) {
    hash.update(`${path}\0`);
    hash.update(readFileSync(join(root, path)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function files(root, path) {
  if (!statSync(join(root, path)).isDirectory()) return [path];
  return readdirSync(join(root, path)).flatMap((name) => files(root, `${path}/${name}`));
}
