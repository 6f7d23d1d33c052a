import { join, resolve } from 'node:path';
import type { Command } from '../command.ts';
import { parseFlags } from '../args.ts';
import { configFromFlags, FINETUNE_FLAG_OPTIONS } from '../finetune-flags.ts';
import { runtimeError, TransferKitError } from '../../src/errors.ts';
import { interactiveFinetuneConfig, parseConfigField, validationSources, type FinetuneConfig } from '../../src/run/config.ts';
import type { runFinetune as RunFinetune } from '../../src/run/finetune.ts';
import { TrainerControl } from '../../src/train/events.ts';

const help = `Usage: transferkit train [finetune flags] [--yes]

The interactive terminal trainer. A setup screen shows the run's fields (task, model, data, head, pooling,
learning rate, epochs, batch size, max length, seed, backbone layers to train with the epoch they join at
and their learning-rate ratio, train and eval sample limits, output dir),
pre-filled from the flags and the defaults and checked as you type (↑/↓ move, type to edit, ←/→ change
a choice, Enter start, Esc cancel with exit code 0 as nothing was run; Ctrl-C there exits 130).
Then it extracts the features and trains with live progress: bars, loss and validation-accuracy
charts, throughput, ETA, the best epoch so far, which backbone layers train on which engine (with the
estimated time per epoch) and a table of finished epochs; last, a summary with
the metrics of every evaluation set, confusion matrices, the checkpoint and the commands to run next.

Keys while it runs:
  p        pause / resume
  s        save a checkpoint now
  e        evaluate every validation set now
  q        stop: asks y/n (training pauses while it asks), then saves a checkpoint and exits (exit code 0)
  Ctrl-C   stop at once, saving a checkpoint first (exit code 130); twice to leave without waiting

When stdout or stdin is not a terminal, CI is set or TERM=dumb, there is no setup screen and no Ink:
it runs as \`transferkit finetune\` with the same flags (plain progress lines, then the results).
NO_COLOR turns colours off.

Flags: the same as \`transferkit finetune\` (see its --help), e.g.
  --task text-classification|image-classification (its defaults fill the screen; images start with no model or data)
  --model M  --train SOURCE  --validation NAME=SOURCE (repeatable)  --head linear|mlp  --pooling cls|mean
  --lr X  --epochs N  --batch-size N  --max-length N  --seed N  --output-dir DIR  --max-train-samples N
  --unfreeze-top K|all  --unfreeze-at-epoch N  --backbone-lr-ratio R  --group-by-length
  --yes      skip the setup screen and start with the flags' values
  --json, --no-ui   no setup screen or live view: run as \`transferkit finetune\` with JSON lines / plain lines

Examples:
  transferkit train
  transferkit train --epochs 10 --batch-size 16 --output-dir runs/tiny
  # needs ../shared (the ResNet8 model and CIFAR-10 sample beside the repository)
  transferkit train --task image-classification --model ../shared/models/resnet8-cifar10 \\
                    --train ../shared/data/cifar10-sample/train --validation test=../shared/data/cifar10-sample/test --output-dir runs/cifar
  # needs the network once: downloads bert-base-cased (434 MB) and GLUE MNLI from the Hugging Face hub
  transferkit train --model bert-base-cased --train glue/mnli:train --validation matched=glue/mnli:validation_matched \\
                    --validation mismatched=glue/mnli:validation_mismatched --max-train-samples 20000 --output-dir runs/mnli
`;

const TRAIN_FLAG_OPTIONS = { ...FINETUNE_FLAG_OPTIONS, yes: { type: 'boolean' }, json: { type: 'boolean' }, 'no-ui': { type: 'boolean' } } as const;

/** 128 + SIGINT, as shells report a run stopped with Ctrl-C. */
const INTERRUPTED_EXIT_CODE = 130;

const train: Command = {
  name: 'train',
  help,
  async run(argv) {
    const { values } = parseFlags(argv, TRAIN_FLAG_OPTIONS);
    // --task picks the defaults the setup screen starts from; the screen can still switch it.
    const given = values as Record<string, unknown>;
    const task = given.task !== undefined ? parseConfigField('task', String(given.task)) : 'text-classification';
    const initial = configFromFlags(values, interactiveFinetuneConfig(task));
    const { canUseInk } = await import('../../src/report/ink/index.ts');
    // --json / --no-ui ask for finetune's machine-readable or plain output: nothing interactive.
    const interactive = canUseInk(process.stdout, process.env) && Boolean(process.stdin.isTTY) && !values.json && !values['no-ui'];
    if (interactive) return runInteractive(initial, values.yes === true);
    // Off a terminal there is nothing to set up or steer: exactly `finetune` with the same flags.
    const finetune = (await import('./finetune.ts')).default;
    const args = argv.filter((arg) => arg !== '--yes');
    return finetune.run(argv.some((arg) => arg === '--model' || arg.startsWith('--model=')) ? args : ['--model', initial.model, ...args]);
  },
};

export default train;

async function loadFinetune(): Promise<typeof RunFinetune> {
  return (await import('../../src/run/finetune.ts')).runFinetune;
}

/** A signal from outside (kill -INT, kill -TERM) stops the run the way q does: checkpoint first. */
function stopOnSignals(control: TrainerControl, onSignal: () => void): () => void {
  const handler = () => {
    onSignal();
    control.stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

async function runInteractive(initial: FinetuneConfig, skipSetup: boolean): Promise<number> {
  const [{ RunStore, renderTrainer, viewEnded, formatAfterView }, runFinetune, { findCheckpointDir }] = await Promise.all([
    import('../../src/report/ink/index.ts'),
    loadFinetune(),
    import('../../src/checkpoint/load.ts'),
  ]);
  const store = new RunStore();
  const control = new TrainerControl();
  let run: Promise<string> | undefined;
  let interrupted = false;
  let cancelledWith: 'escape' | 'interrupt' | undefined;
  const start = (config: FinetuneConfig) => {
    run = runFinetune(config, { emit: store.push, control })
      .then((outcome) => {
        store.finish(outcome);
        return formatAfterView(outcome, { ...config, validation: validationSources(config) });
      })
      .catch((error: unknown) => {
        if (store.snapshot().phase !== 'failed') store.push({ type: 'error', error: asTransferKitError(error) });
        throw error;
      })
      .finally(() => store.close());
    // Awaited below once the view has exited; this only keeps an early failure from counting as unhandled.
    run.catch(() => {});
  };
  const stopListening = stopOnSignals(control, () => {
    interrupted = true;
    // Still on the setup screen: nothing to save, just leave.
    if (!run) instance.unmount();
  });
  const instance = renderTrainer({
    store,
    control,
    setup: skipSetup
      ? undefined
      : {
          initial,
          onStart: start,
          onCancel: (how) => {
            cancelledWith = how;
          },
          checks: { hasRun: (dir) => findCheckpointDir(join(resolve(dir), 'checkpoint')) !== null },
        },
    onInterrupt: () => {
      interrupted = true;
    },
    onForceQuit: () => {
      instance.unmount();
      process.exit(INTERRUPTED_EXIT_CODE);
    },
  });
  if (skipSetup) start(initial);
  try {
    await viewEnded(instance);
    if (!run) {
      process.stderr.write('cancelled: nothing was run\n');
      // Esc is a choice, not an interrupt; Ctrl-C or a signal keeps the shell's 130.
      return cancelledWith === 'escape' && !interrupted ? 0 : INTERRUPTED_EXIT_CODE;
    }
    process.stdout.write(await run);
    return interrupted ? INTERRUPTED_EXIT_CODE : 0;
  } finally {
    stopListening();
  }
}

function asTransferKitError(error: unknown): TransferKitError {
  if (error instanceof TransferKitError) return error;
  return runtimeError(error instanceof Error ? error.message : String(error), {}, error);
}
