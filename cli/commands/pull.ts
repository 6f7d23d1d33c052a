import type { Command } from '../command.ts';
import { choiceFlag, parseFlags } from '../args.ts';
import { usageError } from '../../src/errors.ts';
import { DEVICE_CHOICES } from '../../src/backbones/device.ts';

const help = `Usage: transferkit pull OWNER/NAME [--revision R] [flags]

Downloads a model into the cache, with progress, so later runs work offline (HF_HUB_OFFLINE=1 or
--offline). OWNER/NAME is either a TransferKit checkpoint pushed with \`transferkit push\` (then the
backbone it names is fetched too) or a Transformers.js backbone (e.g. Xenova/bert-base-cased, or the
short name bert-base-cased). A dropped connection is retried; an interrupted download leaves no partial
file in the cache.

Flags:
  --revision R              branch, tag or commit (default main)
  --token-file FILE         read the token from FILE (else HF_TOKEN, else $HF_HOME/token)
  --device auto|cpu|cuda|webgpu   where the backbone is test-loaded (auto)

Examples:
  # needs the network once, and a checkpoint pushed to me/bert-base-cased-mnli-head
  transferkit pull me/bert-base-cased-mnli-head
  # afterwards, offline: transferkit predict --checkpoint hub:me/bert-base-cased-mnli-head --input pairs.tsv --output out.jsonl
  # needs the network once (downloads bert-base-cased, 434 MB)
  transferkit pull bert-base-cased
`;

const FLAGS = {
  revision: { type: 'string' },
  'token-file': { type: 'string' },
  device: { type: 'string' },
} as const;

const pull: Command = {
  name: 'pull',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS, true);
    const [given, ...extra] = positionals;
    if (!given) throw usageError('missing the repository; usage: transferkit pull OWNER/NAME [--revision R]');
    if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`);
    const device = choiceFlag(values.device, '--device', DEVICE_CHOICES, 'auto');
    const { pullModel } = await import('../../src/checkpoint/pull.ts');
    const { progressPrinter } = await import('../../src/report/progress-line.ts');
    const result = await pullModel(given, {
      revision: values.revision,
      tokenFile: values['token-file'],
      device,
      onProgress: progressPrinter('downloading', 'bytes'),
    });
    process.stdout.write(`${result.kind === 'checkpoint' ? 'checkpoint' : 'backbone'} ${result.repo}@${result.revision} is in the cache: ${result.path}\n`);
    if (result.backbone) process.stdout.write(`its backbone ${result.backbone} is ready too\n`);
    return 0;
  },
};

export default pull;
