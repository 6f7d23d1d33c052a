import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { configFromFlags, FINETUNE_FLAG_OPTIONS } from '../finetune-flags.ts';
import { resolve } from 'node:path';
import { TransferKitError, usageError } from '../../src/errors.ts';
import { parseConfigField, taskDefaults, validationSources } from '../../src/run/config.ts';

const help = `Usage: transferkit finetune [flags]

Scripted finetune in the spirit of Hugging Face run_glue.py, with a frozen backbone by default: extracts
features once (cached on disk), trains a new head (with --unfreeze-top the top backbone layers too),
evaluates every named validation set each epoch, and writes OUTPUT/results.json,
OUTPUT/predictions-<name>.jsonl and OUTPUT/checkpoint/{best,last}.
The backbone defaults to the pretrained bert-base-cased (downloaded once from the Hugging Face hub);
\`--model bundled:tiny-bert\` is the offline demo's generated random-weight BERT (what npm start runs).

Flags:
  --task T                  text-classification (default) or image-classification
  --model M                 hub id (bert-base-cased), model folder, or a TransferKit checkpoint to use
                            frozen as the backbone, or bundled:tiny-bert (default bert-base-cased)
  --dtype fp32|fp16|q8|int8|uint8|q4   ONNX weight variant of the backbone (fp32); recorded in the checkpoint
  --train SOURCE            TSV/CSV/JSONL/Parquet file or hub spec such as glue/mnli:train
                            (default bundled:nli-tiny/train)
  --validation NAME=SOURCE  a named evaluation set; repeatable (default: bundled:nli-tiny/validation for the
                            bundled training set, none for other --train data)
  --validation-split F      hold out a seeded fraction F of the training rows as the set 'validation'
  --label-names A,B,C       class names in index order (default: entailment,neutral,contradiction for NLI
                            labels, else from the data); a label outside them is an error (or --lenient)
  --max-length N            tokens per pair, longest_first truncation (128)
  --batch-size N            head-training batch size (32)
  --extract-batch-size N    backbone batch size (32)
  --lr X                    peak learning rate (1e-3; images 3e-3)     --seed N (42)
  --epochs N|auto           (3; images auto: about 1,000 optimizer steps, 3 to 100 epochs)
  --head linear|mlp         (linear)   --mlp-hidden 256,128   --dropout X (0.1)   (the last two: mlp only)
  --class-weights balanced|W1,W2,…   per-class loss weights, one per label in label order; balanced:
                            n / (classes × count), as scikit-learn's (default: every class 1)
  --optimizer adamw|adam|sgd (adamw)   --scheduler linear|cosine|constant (linear)
  --warmup-ratio X (0.06)   --weight-decay X (0.01)   --patience N (early stopping; 0 = off)
  --max-grad-norm X         clip the gradients' global L2 norm to X before each step (1.0; 0 = off)
  --pooling auto|cls|mean|pooler  text: cls (default) or mean; images: auto (default) = the family's own
                            (pooler_output for ResNet/ConvNeXt/DINOv2, CLS for ViT), mean over positions
  --compare-frozen          with --unfreeze-top: also train the frozen head (same head, settings, seed) in the
                            same run on the frozen backbone's features, and show the gain in the results table
  --standardize             standardise features with the training set's mean/std (default for images;
                            kept in the checkpoint, applied by predict)
  --unfreeze-top K|all      train the top K backbone layers too (all: every layer and the embeddings) in
                            TF.js over ONNX Runtime's frozen lower part (0 = frozen backbone, the default)
  --unfreeze-at-epoch N     the head trains alone for N epochs first (0)   --backbone-lr-ratio R  layers' lr = R × --lr (0.1)
  --group-by-length         with --unfreeze-top: length-grouped batches, as HF's group_by_length (random
                            megabatches of up to 50 batches, each sorted by length), so a batch is padded to a
                            length close to its rows': faster epochs, less shuffled batches (off)
  --cache-budget SIZE       disk for the lower part's hidden states, e.g. 512MB (4GB; beyond it they are recomputed each epoch)
  --cache-dtype float16|float32  how those states are stored (float16)
  --device auto|cpu|cuda|webgpu  backbone device (auto)
  --tf-backend NAME         TF.js backend: tfjs-node-gpu, tfjs-node, webgpu (with a GPU adapter), wasm or cpu
                            (default: the first of these that runs)
  --train-engine auto|ort|tfjs  what computes training steps: ONNX Runtime's training-step graph (backbone
                            layers of --unfreeze-top on --device; a head alone on the CPU), or TF.js; auto:
                            ort where its graph builds (auto)
  --output-dir DIR          (a new runs/YYYYMMDD-HHMMSS)   --overwrite-output-dir   replace a run already there
  --max-train-samples N     --max-eval-samples N
  --save-steps N            a resumable checkpoint every N steps within an epoch (500; epoch ends always save)
  --resume                  continue the run in --output-dir (required) from its last checkpoint with the settings
                            it saved (run-config.json); a flag that changes them is refused, and so is
                            another TF.js backend than the run's unless --force is given
  --offline                 use only cached hub files (also HF_HUB_OFFLINE=1)
  --extract-missing         compute the rows a sharded \`transferkit extract\` left missing (default: stop and
                            name the shards to run again)
  --lenient                 skip bad data rows (with a summary) instead of failing
  --json                    JSON lines of every event on stdout
  --no-ui                   plain progress lines even on a terminal
  --push-to-hub OWNER/NAME  after the run, upload the kept checkpoint and a model card (as transferkit push)
  --hub-private             create that repository private      --token-file FILE   the hub token's file

Exit codes: 0 done (also after q then y in the terminal view), 1 runtime failure, 2 usage or bad input,
130 stopped with Ctrl-C (checkpoint saved).

Examples:
  transferkit finetune --model bundled:tiny-bert
  transferkit finetune --model bundled:tiny-bert --pooling mean --head mlp --dropout 0.2 --class-weights balanced --output-dir runs/mlp
  # needs the network once: downloads bert-base-cased (434 MB) and GLUE MNLI from the Hugging Face hub
  transferkit finetune --model bert-base-cased --train glue/mnli:train \\
    --validation matched=glue/mnli:validation_matched --validation mismatched=glue/mnli:validation_mismatched \\
    --max-train-samples 20000 --output-dir runs/mnli
  # needs your own train.tsv and dev.tsv (a header line, then premise<TAB>hypothesis<TAB>label rows)
  transferkit finetune --model bundled:tiny-bert --train train.tsv --validation dev=dev.tsv --output-dir runs/mine
  # needs ../shared (the ResNet8 model and CIFAR-10 sample beside the repository)
  transferkit finetune --task image-classification --model ../shared/models/resnet8-cifar10 \\
    --train ../shared/data/cifar10-sample/train --validation test=../shared/data/cifar10-sample/test --output-dir runs/cifar
  # needs a run stopped with Ctrl-C in runs/mnli: continues where it stopped
  transferkit finetune --output-dir runs/mnli --resume
`;

const FLAGS = {
  ...FINETUNE_FLAG_OPTIONS,
  json: { type: 'boolean' },
  'no-ui': { type: 'boolean' },
  'push-to-hub': { type: 'string' },
  'hub-private': { type: 'boolean' },
  'token-file': { type: 'string' },
} as const;

const finetune: Command = {
  name: 'finetune',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    // --resume starts from the settings the run saved; flags given now are applied on top (and a changed
    // setting that would alter the maths is refused by the trainer).
    const { readRunConfig } = await import('../../src/run/run-config.ts');
    const given = values as Record<string, unknown>;
    if (given.resume && given['output-dir'] === undefined) throw usageError('needs --output-dir DIR: the folder of the run to continue', '--resume');
    const saved = given.resume ? await readRunConfig(resolve(String(given['output-dir']))) : null;
    // --task picks the defaults its flags start from (images: standardised features, epochs by data size).
    const task = given.task !== undefined ? parseConfigField('task', String(given.task)) : 'text-classification';
    const config = configFromFlags(values, saved ?? taskDefaults(task));
    if (config.task === 'image-classification' && (!config.train || Object.keys(config.validation).length === 0) && !config.resume) {
      throw usageError('an image task needs --train SOURCE and at least one --validation NAME=SOURCE (class folders, CIFAR-10 batches, CSV/JSONL with image paths, or a hub spec)', config.train ? '--validation' : '--train');
    }
    const pushTo = values['push-to-hub'] as string | undefined;
    // A missing token or a bad repo name fails now, not after the training.
    if (pushTo !== undefined) await checkPushable(pushTo, values['token-file'] as string | undefined);
    const [{ runFinetune }, { TrainerControl, fanOut }, { createReporter }, { formatResultsTable, formatFrozenComparison }, { formatAfterView, formatNextSteps }] = await Promise.all([
      import('../../src/run/finetune.ts'),
      import('../../src/train/events.ts'),
      import('../../src/report/index.ts'),
      import('../../src/report/summary.ts'),
      import('../../src/report/ink/next-commands.ts'),
    ]);
    const control = new TrainerControl();
    let signals = 0;
    // Ctrl-C or a signal stops with 130; q then y in the terminal view is a choice and exits 0, as in `train`.
    let interrupted = false;
    const onSignal = () => {
      interrupted = true;
      signals++;
      if (signals > 1) process.exit(130);
      process.stderr.write('\nstopping at the next step: saving a checkpoint if training has begun (Ctrl-C again to leave at once)\n');
      control.stop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const useInk = !values.json && !values['no-ui'] && (await import('../../src/report/ink/index.ts')).canUseInk();
    const ink = useInk ? (await import('../../src/report/ink/index.ts')).createInkReporter({
          control,
          onInterrupt: () => {
            interrupted = true;
          },
          onForceQuit: () => process.exit(130),
        }) : null;
    const reporter = ink ?? (await createReporter({ json: values.json === true, plain: true }));
    let outcome;
    try {
      outcome = await runFinetune(config, { emit: fanOut([reporter]), control });
      // The summary shows what was written (the kept checkpoint's metrics), not the last epoch's.
      ink?.finish(outcome);
    } catch (error) {
      // A JSON-lines consumer sees how the run ended in the stream itself; stderr still gets the one line.
      if (values.json && error instanceof TransferKitError) reporter.onEvent({ type: 'error', error });
      throw error;
    } finally {
      await reporter.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    // Next: suggests the sets the run evaluated (the bundled training set's own validation split included).
    const ran = { ...config, validation: validationSources(config) };
    if (useInk) {
      const comparison = formatFrozenComparison(outcome);
      process.stdout.write(`${comparison ? `${comparison}\n\n` : ''}${formatAfterView(outcome, ran)}`);
    }
    else if (!values.json) {
      let text = `\n${formatResultsTable(outcome)}\nresults: ${outcome.resultsFile}\n`;
      if (outcome.checkpoint) text += `checkpoint: ${outcome.checkpoint}\n\n${formatNextSteps(outcome.checkpointDir, ran)}`;
      process.stdout.write(text);
    }
    if (pushTo !== undefined && !outcome.interrupted && outcome.checkpoint) {
      const { pushCheckpoint } = await import('../../src/checkpoint/push.ts');
      const pushed = await pushCheckpoint({ checkpoint: outcome.checkpoint, repo: pushTo, private: values['hub-private'] as boolean | undefined, tokenFile: values['token-file'] as string | undefined });
      process.stderr.write(`pushed ${pushed.files.join(', ')} to ${pushed.url} (commit ${pushed.commit || 'unknown'})\n`);
    }
    return outcome.interrupted && interrupted ? 130 : 0;
  },
};

async function checkPushable(repo: string, tokenFile: string | undefined): Promise<void> {
  const [{ parseHubRepo }, { hubSettings, requireToken }] = await Promise.all([import('../../src/hub/repo-ref.ts'), import('../../src/hub/settings.ts')]);
  parseHubRepo(repo, '--push-to-hub');
  requireToken(hubSettings({ tokenFile }), '--push-to-hub');
}

export default finetune;
