import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import { padBatch, type PaddedBatch } from '../encode/batch.ts';
import { encodeInput, type EncodedInput } from '../encode/pairs.ts';
import type { WordPieceTokenizer } from '../encode/tokenizer.ts';
import { usageError, runtimeError } from '../errors.ts';
import { extractFeatures } from './text-extract.ts';
import type { BackboneReference, ExtractOptions, FeatureMatrix, TextInput } from '../core/index.ts';
import type { AttentionResult, ForwardOutput, TextBackbone, TextBackboneConfig } from './types.ts';

type TensorClass = typeof Tensor;

export interface BertBackboneParts {
  tokenizer: WordPieceTokenizer;
  /** Loads the model (once, on first plain forward). */
  loadModel: () => Promise<PreTrainedModel>;
  /** Loads the derived model with attention outputs (once, on first use). */
  loadAttentionModel: () => Promise<PreTrainedModel>;
  TensorClass: TensorClass;
  identity: string;
  reference: BackboneReference;
  device: string;
  deviceNote?: string;
  config: TextBackboneConfig;
  modelPath: string;
}

/** A BERT-family encoder: Transformers.js runs the ONNX graph; encoding and pooling are ours. */
export class BertBackbone implements TextBackbone {
  readonly identity: string;
  readonly reference: BackboneReference;
  readonly device: string;
  readonly deviceNote?: string;
  readonly config: TextBackboneConfig;
  readonly tokenizer: WordPieceTokenizer;
  readonly modelPath: string;
  private calls = 0;
  private plainModel?: Promise<PreTrainedModel>;
  private attentionModel?: Promise<PreTrainedModel>;

  constructor(private readonly parts: BertBackboneParts) {
    this.identity = parts.identity;
    this.reference = parts.reference;
    this.device = parts.device;
    this.deviceNote = parts.deviceNote;
    this.config = parts.config;
    this.tokenizer = parts.tokenizer;
    this.modelPath = parts.modelPath;
  }

  get dim(): number {
    return this.config.hiddenSize;
  }

  get forwardCalls(): number {
    return this.calls;
  }

  encodeInputs(inputs: TextInput[], maxLength: number): EncodedInput[] {
    this.checkMaxLength(maxLength);
    return inputs.map((input) => encodeInput(this.tokenizer, input, maxLength));
  }

  async extract(inputs: TextInput[], options: ExtractOptions): Promise<FeatureMatrix> {
    this.checkMaxLength(options.maxLength);
    return extractFeatures(this, inputs, options);
  }

  async forward(batch: PaddedBatch, options: { attentions?: boolean } = {}): Promise<ForwardOutput> {
    const model = await (options.attentions ? this.attentions() : this.model());
    const T = this.parts.TensorClass;
    const dims = [batch.batch, batch.seq];
    const outputs = (await model({
      input_ids: new T('int64', batch.inputIds, dims),
      attention_mask: new T('int64', batch.attentionMask, dims),
      token_type_ids: new T('int64', batch.tokenTypeIds, dims),
    })) as Record<string, Tensor>;
    this.calls++;
    try {
      const hidden = outputs.last_hidden_state;
      if (!hidden) throw runtimeError(`the model has no last_hidden_state output (outputs: ${Object.keys(outputs).join(', ')})`);
      const result: ForwardOutput = { batch: batch.batch, seq: batch.seq, lastHiddenState: float32Data(hidden) };
      if (options.attentions) {
        result.attentions = Array.from({ length: this.config.numLayers }, (_, layer) => {
          const map = outputs[`attentions.${layer}`];
          if (!map) throw runtimeError(`the attention model has no output attentions.${layer}`);
          return float32Data(map);
        });
      }
      return result;
    } finally {
      for (const tensor of Object.values(outputs)) tensor.dispose?.();
    }
  }

  async attend(input: TextInput, maxLength: number): Promise<AttentionResult> {
    const [encoded] = this.encodeInputs([input], maxLength);
    const output = await this.forward(padBatch([encoded], this.tokenizer.padId), { attentions: true });
    return {
      tokens: Array.from(encoded.ids, (id) => this.tokenizer.idToToken(id)),
      sentenceBStart: encoded.sentenceBStart,
      numHeads: this.config.numHeads,
      layers: output.attentions ?? [],
    };
  }

  /** Releases the ONNX sessions of whichever models were loaded (a failed load has none to release). */
  async dispose(): Promise<void> {
    for (const pending of [this.plainModel, this.attentionModel]) {
      const model = await pending?.catch(() => undefined);
      await model?.dispose();
    }
    this.plainModel = this.attentionModel = undefined;
  }

  /** Loads the plain model now rather than on the first forward. */
  async prepareModel(): Promise<void> {
    await this.model();
  }

  /** Loads (deriving if needed) the attention-output model now rather than on first use. */
  async prepareAttentions(): Promise<void> {
    await this.attentions();
  }

  private model(): Promise<PreTrainedModel> {
    this.plainModel ??= this.parts.loadModel();
    return this.plainModel;
  }

  private attentions(): Promise<PreTrainedModel> {
    this.attentionModel ??= this.parts.loadAttentionModel();
    return this.attentionModel;
  }

  private checkMaxLength(maxLength: number): void {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw usageError(`must be an integer >= 2, got ${maxLength}`, '--max-length');
    if (maxLength > this.config.maxPositions) {
      throw usageError(`${maxLength} exceeds the model's ${this.config.maxPositions} positions`, '--max-length');
    }
  }
}

/** Output data as float32, copied out of ONNX Runtime's buffer (fp16 models return float16). */
function float32Data(tensor: Tensor): Float32Array {
  if (tensor.type === 'float32') return Float32Array.from(tensor.data as Float32Array);
  return Float32Array.from((tensor.to('float32') as Tensor).data as Float32Array);
}
