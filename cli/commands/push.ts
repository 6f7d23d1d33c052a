import type { Command } from '../command.ts';
import { parseFlags, requireFlag } from '../args.ts';

const help = `Usage: transferkit push --checkpoint DIR --repo OWNER/NAME [flags]

Uploads a trained checkpoint to the Hugging Face hub in one commit, with a generated model card
(README.md: library_name transferkit, base_model, datasets, metrics per evaluation set, how it was
trained, how to load it). The repository is created when missing. Large binaries go through LFS.

Token (never printed or written): --token-file FILE, else HF_TOKEN, else the file huggingface-cli login
writes ($HF_HOME/token). HF_ENDPOINT selects another hub.

Flags:
  --checkpoint DIR          a checkpoint folder, or a run's checkpoint/ or output folder (its best/, else last/)
  --repo OWNER/NAME         the model repository
  --private                 create the repository private (an existing one keeps its visibility)
  --revision BRANCH         commit to this branch (created from main when missing; default main)
  --commit-message TEXT     the commit title
  --token-file FILE         read the token from FILE

Examples:
  # needs the network and a write token (HF_TOKEN), and an MNLI run in runs/mnli (see finetune --help)
  transferkit push --checkpoint runs/mnli --repo me/bert-base-cased-mnli-head
  # needs the network and a write token; runs/demo is the run \`npm start\` writes
  transferkit push --checkpoint runs/demo/checkpoint/best --repo me/demo --private --revision experiments
`;

const FLAGS = {
  checkpoint: { type: 'string' },
  repo: { type: 'string' },
  private: { type: 'boolean' },
  revision: { type: 'string' },
  'commit-message': { type: 'string' },
  'token-file': { type: 'string' },
} as const;

const push: Command = {
  name: 'push',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    const checkpoint = requireFlag(values.checkpoint, '--checkpoint');
    const repo = requireFlag(values.repo, '--repo');
    const { pushCheckpoint } = await import('../../src/checkpoint/push.ts');
    process.stderr.write(`pushing ${checkpoint} to ${repo}…\n`);
    const result = await pushCheckpoint({
      checkpoint,
      repo,
      private: values.private,
      revision: values.revision,
      commitMessage: values['commit-message'],
      tokenFile: values['token-file'],
    });
    process.stdout.write(`pushed ${result.files.join(', ')} to ${result.url} (commit ${result.commit || 'unknown'})\n`);
    return 0;
  },
};

export default push;
