import type { Command } from '../command.ts';
import { choiceFlag, parseFlags, requireFlag } from '../args.ts';
import { usageError } from '../../src/errors.ts';

const help = `Usage: transferkit quantize --model M --out DIR [flags]

Writes a dynamically quantized (int8) copy of a model, as Optimum / ONNX Runtime's quantize_dynamic
does: every MatMul / Gemm weight becomes int8 with one scale per output channel, and activations are
quantized at run time, so ONNX Runtime runs its integer kernels (about 4x smaller; faster on CPUs with
AVX-512 VNNI / AVX-VNNI). DIR gets onnx/model_quantized.onnx and the model's config and tokenizer files,
the layout Transformers.js loads for dtype 'q8'; TransferKit commands load it with --dtype q8. DIR may be
the model's own folder (then only the .onnx file is added).

Flags:
  --model M          local model folder (with onnx/model.onnx), bundled:tiny-bert, or a hub id
                     (downloaded into the cache first) (required)
  --out DIR          output folder (created; files of the same names are replaced) (required)
  --form F           integer (DynamicQuantizeLinear + MatMulInteger, standard ONNX, default) or fused
                     (ONNX Runtime's com.microsoft DynamicQuantizeMatMul, CPU only)
  --reduce-range     7-bit weights, as quantize_dynamic's reduce_range (for CPUs without VNNI whose
                     u8*s8 kernels can saturate; costs accuracy)
  --per-tensor       one weight scale per matrix instead of per output channel (quantize_dynamic's
                     per_channel=False; coarser: lower agreement with fp32)
  --exclude-nodes L  comma-separated MatMul/Gemm node names to leave in float32, as Optimum's
                     nodes_to_exclude; '*' matches within one '/'-separated segment, '**' across them
                     (e.g. '/encoder/layer.*/output/dense/MatMul': every FFN output projection).
                     Each excluded projection runs at fp32 speed
  --revision REV     hub revision (default main)

Examples:
  transferkit quantize --model bundled:tiny-bert --out models/tiny-bert-q8
  # then use it: embeddings from the int8 model
  transferkit quantize --model bundled:tiny-bert --out models/tiny-bert-q8 && \\
    transferkit embed --model models/tiny-bert-q8 --dtype q8 --input bundled:nli-tiny/validation --output validation-q8.npy
  # needs the network once (downloads bert-base-cased, 434 MB); Xenova/bert-base-cased also ships its own q8 file
  transferkit quantize --model bert-base-cased --out models/bert-base-cased-q8
  # keep the last encoder layer in float32 (node names as torch.onnx.export / Optimum write them)
  transferkit quantize --model bundled:tiny-bert --out models/tiny-bert-q8 --exclude-nodes '/encoder/layer.1/**'
`;

const quantize: Command = {
  name: 'quantize',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      model: { type: 'string' },
      out: { type: 'string' },
      form: { type: 'string' },
      'reduce-range': { type: 'boolean' },
      'per-tensor': { type: 'boolean' },
      'exclude-nodes': { type: 'string' },
      revision: { type: 'string' },
    });
    if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
    const model = requireFlag(values.model, '--model');
    const outDir = requireFlag(values.out, '--out');
    const form = choiceFlag(values.form, '--form', ['integer', 'fused'] as const, 'integer');
    const { checkOutputDir } = await import('../../src/export/output-path.ts');
    await checkOutputDir(outDir, '--out');
    const { quantizeModel } = await import('../../src/backbones/quantize-model.ts');
    const started = Date.now();
    const excludeNodes = values['exclude-nodes']?.split(',').map((name) => name.trim()).filter(Boolean);
    if (excludeNodes?.length === 0) throw usageError('needs at least one node name', '--exclude-nodes');
    const result = await quantizeModel(model, outDir, {
      form,
      reduceRange: values['reduce-range'] === true,
      perChannel: values['per-tensor'] !== true,
      ...(excludeNodes ? { excludeNodes } : {}),
      revision: values.revision,
    });
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
    process.stdout.write(
      `wrote ${result.file}: ${result.quantized} MatMul/Gemm in int8 (${form}, ${values['per-tensor'] ? 'per-tensor' : 'per-channel'} weights)` +
        `${result.excluded ? `, ${result.excluded} excluded (float)` : ''}${result.skipped ? `, ${result.skipped} left float` : ''}, ${mb(result.bytesIn)} -> ${mb(result.bytesOut)} ` +
        `(${((Date.now() - started) / 1000).toFixed(1)}s)\nload it with --model ${result.dir} --dtype q8\n`,
    );
    return 0;
  },
};

export default quantize;
