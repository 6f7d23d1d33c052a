import type { Command } from '../command.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import { usageError } from '../../src/errors.ts';

const help = `Usage: transferkit make-model bert|resnet|vit --out DIR [flags]

Writes a seeded random BERT in Hugging Face / Transformers.js layout: config.json, tokenizer.json,
tokenizer_config.json, special_tokens_map.json, vocab.txt and onnx/model.onnx (opset 17, the graph
torch.onnx.export writes for BertModel). Same flags and seed, same bytes.

Flags:
  --out DIR            output folder (created; existing files of the same names are replaced)
  --layers N           encoder layers (default 12)
  --hidden N           hidden size (default 768; must be divisible by --heads)
  --heads N            attention heads (default 12)
  --intermediate N     feed-forward size (default 3072)
  --max-position N     position embeddings (default 512, at least 2)
  --vocab DIR          copy vocab.txt + tokenizer.json from DIR; vocab_size follows it
  --vocab-size N       size of the built-in cased WordPiece vocabulary (instead of --vocab)
  --seed N             weight seed (default 0)

Examples:
  transferkit make-model bert --out models/tiny --layers 2 --hidden 32 --heads 4 --intermediate 64
  # needs a tokenizer folder of your own (vocab.txt + tokenizer.json, e.g. bert-base-cased's); writes 440 MB
  transferkit make-model bert --out models/bert-base --vocab path/to/bert-base-cased
  # a tiny ResNet (16x16 input, 2 stages, for tests)
  transferkit make-model resnet --out models/tiny-resnet
  # needs about 100 MB of disk: ResNet-50 size, 224x224
  transferkit make-model resnet --out models/resnet50 --preset resnet50
  # a tiny ViT (32x32 input, patch 8, hidden 32, 2 layers, for tests)
  transferkit make-model vit --out models/tiny-vit
  # needs about 350 MB of disk: ViT-Base/16 size, 224x224
  transferkit make-model vit --out models/vit-base --preset vit-base

ResNet flags: --preset tiny|resnet50  --image-size N  --embedding-size N  --hidden-sizes 256,512,...
  --depths 3,4,6,3  --layer-type basic|bottleneck  --seed N

ViT flags: --preset tiny|vit-base  --image-size N  --patch-size N (must divide the image size)
  --hidden N  --layers N  --heads N (must divide --hidden)  --intermediate N  --seed N
`;

const makeModel: Command = {
  name: 'make-model',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        out: { type: 'string' },
        layers: { type: 'string' },
        hidden: { type: 'string' },
        heads: { type: 'string' },
        intermediate: { type: 'string' },
        'max-position': { type: 'string' },
        vocab: { type: 'string' },
        'vocab-size': { type: 'string' },
        seed: { type: 'string' },
        preset: { type: 'string' },
        'image-size': { type: 'string' },
        'embedding-size': { type: 'string' },
        'hidden-sizes': { type: 'string' },
        depths: { type: 'string' },
        'layer-type': { type: 'string' },
        'patch-size': { type: 'string' },
      },
      true,
    );
    const [kind, ...extra] = positionals;
    if (kind !== 'bert' && kind !== 'resnet' && kind !== 'vit') {
      throw usageError(kind === undefined ? 'missing model kind; usage: transferkit make-model bert|resnet|vit --out DIR' : `unknown model kind '${kind}'; supported: bert, resnet, vit`);
    }
    if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`);
    if (kind === 'resnet') return makeResNet(values);
    if (kind === 'vit') return makeViT(values);
    const outDir = await checkedOut(values);
    const hidden = intFlag(values.hidden, '--hidden', 768);
    const heads = intFlag(values.heads, '--heads', 12);
    if (hidden % heads !== 0) throw usageError(`must be divisible by --heads (${heads}), got ${hidden}`, '--hidden');
    if (values.vocab !== undefined && values['vocab-size'] !== undefined) {
      throw usageError('cannot be combined with --vocab (the vocabulary folder sets the size)', '--vocab-size');
    }
    if (values.vocab === '') throw usageError('needs a folder', '--vocab');

    const { MIN_BUILTIN_VOCAB } = await import('../../src/fixtures/bert-vocab.ts');
    const vocabSize = values['vocab-size'] === undefined ? undefined : intFlag(values['vocab-size'], '--vocab-size', 0, MIN_BUILTIN_VOCAB);
    const options = {
      outDir,
      layers: intFlag(values.layers, '--layers', 12),
      hidden,
      heads,
      intermediate: intFlag(values.intermediate, '--intermediate', 3072),
      maxPosition: intFlag(values['max-position'], '--max-position', 512, 2), // [CLS] and [SEP] need two positions
      vocabDir: values.vocab,
      vocabSize,
      seed: intFlag(values.seed, '--seed', 0, 0),
    };
    if (options.seed > 0xffffffff) throw usageError(`must be below 2^32, got ${options.seed}`, '--seed');

    const { makeBertModel } = await import('../../src/fixtures/bert.ts');
    const started = Date.now();
    const { dir, config } = await makeBertModel(options);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `wrote ${dir}: BERT ${config.num_hidden_layers} layers, hidden ${config.hidden_size}, ${config.num_attention_heads} heads, vocab ${config.vocab_size} (${seconds}s)\n`,
    );
    return 0;
  },
};

/** --out, required and a folder (or a path one can be made at). */
async function checkedOut(values: Record<string, string | boolean | undefined>): Promise<string> {
  const outDir = requireFlag(values.out as string | undefined, '--out');
  const { checkOutputDir } = await import('../../src/export/output-path.ts');
  await checkOutputDir(outDir, '--out');
  return outDir;
}

/** --preset NAME among `presets`; `tiny` when not given. */
function pickPreset<P>(name: unknown, presets: { tiny: P } & Record<string, P>): P {
  const key = name === undefined ? 'tiny' : String(name);
  if (!Object.hasOwn(presets, key)) throw usageError(`must be ${Object.keys(presets).join(' or ')}, got '${key}'`, '--preset');
  return presets[key];
}

/** `make-model resnet`: tiny by default; `--preset resnet50` (or the size flags) for bench sizes. */
async function makeResNet(values: Record<string, string | boolean | undefined>): Promise<number> {
  const outDir = await checkedOut(values);
  const { makeResNetModel, TINY_RESNET, RESNET50 } = await import('../../src/fixtures/resnet.ts');
  const preset = pickPreset(values.preset, { tiny: TINY_RESNET, resnet50: RESNET50 });
  const sizes = (flag: string, text: unknown, fallback: number[]) => {
    if (text === undefined) return fallback;
    const list = String(text).split(',').map(Number);
    if (list.some((n) => !Number.isInteger(n) || n < 1)) throw usageError(`must be comma-separated whole numbers, got '${String(text)}'`, flag);
    return list;
  };
  const hiddenSizes = sizes('--hidden-sizes', values['hidden-sizes'], preset.hiddenSizes);
  const depths = sizes('--depths', values.depths, preset.depths);
  if (depths.length !== hiddenSizes.length) throw usageError(`needs one depth per hidden size (${hiddenSizes.length}), got ${depths.length}`, '--depths');
  const layerType = (values['layer-type'] as string | undefined) ?? preset.layerType;
  if (layerType !== 'basic' && layerType !== 'bottleneck') throw usageError(`must be basic or bottleneck, got '${layerType}'`, '--layer-type');
  if (layerType === 'bottleneck' && hiddenSizes.some((n) => n % 4 !== 0)) throw usageError('bottleneck blocks need hidden sizes divisible by 4', '--hidden-sizes');
  const options = {
    outDir,
    imageSize: intFlag(values['image-size'] as string | undefined, '--image-size', preset.imageSize, 4),
    embeddingSize: intFlag(values['embedding-size'] as string | undefined, '--embedding-size', preset.embeddingSize),
    hiddenSizes,
    depths,
    layerType: layerType as 'basic' | 'bottleneck',
    seed: intFlag(values.seed as string | undefined, '--seed', 0, 0),
  };
  const started = Date.now();
  const { dir } = await makeResNetModel(options);
  process.stdout.write(
    `wrote ${dir}: ResNet ${options.layerType} depths ${depths.join(',')}, widths ${hiddenSizes.join(',')}, ${options.imageSize}x${options.imageSize} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
  );
  return 0;
}

/** `make-model vit`: tiny by default; `--preset vit-base` (or the size flags) for bench sizes. */
async function makeViT(values: Record<string, string | boolean | undefined>): Promise<number> {
  const outDir = await checkedOut(values);
  const { makeViTModel, TINY_VIT, VIT_BASE } = await import('../../src/fixtures/vit.ts');
  const preset = pickPreset(values.preset, { tiny: TINY_VIT, 'vit-base': VIT_BASE });
  const int = (flag: string, fallback: number) => intFlag(values[flag] as string | undefined, `--${flag}`, fallback);
  const options = {
    outDir,
    imageSize: int('image-size', preset.imageSize),
    patchSize: int('patch-size', preset.patchSize),
    hidden: int('hidden', preset.hidden),
    layers: int('layers', preset.layers),
    heads: int('heads', preset.heads),
    intermediate: int('intermediate', preset.intermediate),
    initializerRange: preset.initializerRange,
    seed: intFlag(values.seed as string | undefined, '--seed', 0, 0),
  };
  if (options.hidden % options.heads !== 0) throw usageError(`must be divisible by --heads (${options.heads}), got ${options.hidden}`, '--hidden');
  if (options.imageSize % options.patchSize !== 0) throw usageError(`must divide --image-size (${options.imageSize}), got ${options.patchSize}`, '--patch-size');
  if (options.seed > 0xffffffff) throw usageError(`must be below 2^32, got ${options.seed}`, '--seed');
  const started = Date.now();
  const { dir } = await makeViTModel(options);
  const patches = (options.imageSize / options.patchSize) ** 2;
  process.stdout.write(
    `wrote ${dir}: ViT ${options.layers} layers, hidden ${options.hidden}, ${options.heads} heads, ${options.imageSize}x${options.imageSize} in ${patches} patches of ${options.patchSize} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`,
  );
  return 0;
}

export default makeModel;
