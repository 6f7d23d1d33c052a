import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { usageError } from '../../src/errors.ts';

const help = `Usage: transferkit cache status [--json]
       transferkit cache verify [--json]

The feature cache in $TRANSFERKIT_CACHE/features (default ~/.cache/transferkit/features), read-only: both
are safe while extract or finetune workers write to it.

  status   per entry: what it holds (backbone, pooling, max length, dataset), rows covered, chunks,
           missing row ranges (and the shards of a sharded run that hold them), size on disk
  verify   status after reading every chunk and checking its sha256; exits 1 when a chunk is bad (the
           next extract or finetune recomputes it)

Flags:
  --json   one JSON object: {"cache_dir", "entries": [...]}

Examples:
  transferkit cache status
  transferkit cache verify
`;

const cache: Command = {
  name: 'cache',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, true);
    const [action, extra] = positionals;
    if (action !== 'status' && action !== 'verify') throw usageError(action === undefined ? 'needs status or verify (transferkit cache status)' : `unknown action '${action}'; use status or verify`);
    if (extra !== undefined) throw usageError(`unexpected argument '${extra}'`);
    const [{ cacheStatus, formatCacheStatus }, { defaultFeatureCacheDir }] = await Promise.all([import('../../src/features/cache-report.ts'), import('../../src/features/cache-entry.ts')]);
    const cacheDir = defaultFeatureCacheDir();
    const entries = await cacheStatus(cacheDir, action === 'verify');
    const bad = entries.reduce((sum, entry) => sum + entry.bad.length, 0);
    if (values.json) process.stdout.write(`${JSON.stringify({ cache_dir: cacheDir, entries })}\n`);
    else {
      process.stdout.write(formatCacheStatus(cacheDir, entries));
      if (action === 'verify') {
        const chunks = entries.reduce((sum, entry) => sum + entry.chunksPresent, 0);
        process.stdout.write(`\nverified ${chunks} chunk(s): ${bad === 0 ? 'all checksums match' : `${bad} bad (listed above; recomputed by the next extract or finetune)`}\n`);
      }
    }
    return action === 'verify' && bad > 0 ? 1 : 0;
  },
};

export default cache;
