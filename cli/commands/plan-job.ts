import type { Command } from '../command.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import { usageError } from '../../src/errors.ts';

const help = `Usage: transferkit plan-job --shards N --parallelism P --image IMAGE --cache-claim PVC --model M --data SOURCE [--gpu] [-- EXTRACT FLAGS]

Prints a Kubernetes Indexed Job (JSON, which kubectl reads as it reads YAML) that extracts SOURCE's features
with N worker pods over one shared cache: pod I runs \`transferkit extract --model M --data SOURCE --shard auto
--shards N\` (I comes from JOB_COMPLETION_INDEX), with the PersistentVolumeClaim PVC mounted at /cache and
TRANSFERKIT_CACHE=/cache/transferkit. A pod that fails is replaced and its shard re-run (--retries-per-shard);
the other shards go on. Then \`transferkit finetune\` on one machine over the same cache makes no backbone pass.
The manifest is checked against the Kubernetes schema before it is printed. Nothing is sent to a cluster.
Walk-through and costs: docs/scale-out.md.

Flags:
  --shards N                completions: one pod per shard (required)
  --parallelism P           pods running at once (default: N)
  --image IMAGE             a TransferKit image (the repo's Dockerfile builds one) (required)
  --cache-claim PVC         the claim that holds the cache: ReadWriteMany when pods land on several nodes (required)
  --model M                 hub id or a model folder inside the image or claim (default bert-base-cased)
  --data SOURCE             hub spec (glue/mnli:train) or a file inside the image or claim (required)
  --gpu                     request one nvidia.com/gpu per pod and run the backbone with --device cuda
  --cpu Q                   CPU request per pod, a Kubernetes quantity (default 2)
  --memory Q                memory request and limit per pod (default 4Gi)
  --retries-per-shard N     backoffLimitPerIndex: retries of one shard before it is given up (default 3)
  --name NAME               the Job's name (default transferkit-extract)
  -- FLAGS                  everything after -- goes to each worker's extract (--pooling, --max-length,
                            --max-samples ...): give the values the finetune will use, or it misses the cache

Examples:
  transferkit plan-job --shards 8 --parallelism 4 --image registry.example.com/transferkit:0.1.0 --cache-claim transferkit-cache --model bert-base-cased --data glue/mnli:train
  transferkit plan-job --shards 16 --parallelism 16 --image registry.example.com/transferkit:0.1.0 --cache-claim transferkit-cache --model bert-base-cased --data glue/mnli:train --gpu -- --max-length 128
`;

const FLAGS = {
  shards: { type: 'string' },
  parallelism: { type: 'string' },
  image: { type: 'string' },
  'cache-claim': { type: 'string' },
  model: { type: 'string' },
  data: { type: 'string' },
  gpu: { type: 'boolean' },
  cpu: { type: 'string' },
  memory: { type: 'string' },
  'retries-per-shard': { type: 'string' },
  name: { type: 'string' },
} as const;

const planJob: Command = {
  name: 'plan-job',
  help,
  async run(argv) {
    const split = argv.indexOf('--');
    const { values, positionals } = parseFlags(split < 0 ? argv : argv.slice(0, split), FLAGS, true);
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}' (flags for the workers' extract go after --)`);
    const shards = intFlag(requireFlag(values.shards, '--shards'), '--shards', 1);
    const { buildExtractJob } = await import('../../src/run/job-manifest.ts');
    const job = buildExtractJob({
      shards,
      parallelism: intFlag(values.parallelism, '--parallelism', shards),
      image: requireFlag(values.image, '--image'),
      cacheClaim: requireFlag(values['cache-claim'], '--cache-claim'),
      model: values.model ?? 'bert-base-cased',
      data: requireFlag(values.data, '--data'),
      gpu: values.gpu === true,
      cpu: values.cpu ?? '2',
      memory: values.memory ?? '4Gi',
      retriesPerShard: intFlag(values['retries-per-shard'], '--retries-per-shard', 3, 0),
      name: values.name ?? 'transferkit-extract',
      extraArgs: split < 0 ? [] : argv.slice(split + 1),
    });
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
  },
};

export default planJob;
