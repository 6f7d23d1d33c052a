import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import type { BackboneReference, ExtractOptions, FeatureExtractor, FeatureMatrix, ImageInput, Pooling } from '../core/index.ts';
import { inputError, runtimeError, usageError } from '../errors.ts';
import type { ImageFamily } from './image-families.ts';

export const DEFAULT_IMAGE_BATCH_SIZE = 32;

/** Decodes one input into Transformers.js' RawImage (sharp underneath, as RawImage.read does). */
export type ImageDecoder = (input: ImageInput, index: number) => Promise<unknown>;
/** Transformers.js' image processor: resize, rescale, normalise exactly as preprocessor_config.json says. */
export type ImageProcessorFn = (images: unknown[]) => Promise<{ pixel_values: Tensor }>;

export interface ImageBackboneParts {
  model: PreTrainedModel;
  processor: ImageProcessorFn;
  decode: ImageDecoder;
  family: ImageFamily;
  modelType: string;
  reference: BackboneReference;
  device: string;
  deviceNote?: string;
}

/**
 * A pretrained vision backbone run by Transformers.js: decode (RawImage) → AutoImageProcessor → AutoModel
 * → pooling. Inputs are file paths, encoded bytes or decoded RawImages.
 */
export class ImageBackbone implements FeatureExtractor<ImageInput> {
  readonly identity: string;
  readonly dim: number;
  readonly reference: BackboneReference;
  readonly device: string;
  readonly deviceNote?: string;
  readonly family: ImageFamily;
  readonly modelType: string;
  private calls = 0;

  constructor(private readonly parts: ImageBackboneParts) {
    this.reference = parts.reference;
    this.identity = parts.reference.identity;
    this.dim = parts.reference.dim;
    this.device = parts.device;
    this.deviceNote = parts.deviceNote;
    this.family = parts.family;
    this.modelType = parts.modelType;
  }

  /** Count of ONNX forward passes so far (tests use it to prove caching). */
  get forwardCalls(): number {
    return this.calls;
  }

  /** The family's pooling unless one is asked for; a pooling the model cannot do is a usage error. */
  resolvePooling(requested?: Pooling): Pooling {
    const pooling = requested ?? this.family.defaultPooling;
    if (pooling === 'cls' && this.family.layout !== 'tokens') {
      throw usageError(`'cls' needs a transformer (ViT-like) backbone; ${this.modelType} is convolutional: use pooler or mean`, '--pooling');
    }
    return pooling;
  }

  async extract(inputs: ImageInput[], options: ExtractOptions): Promise<FeatureMatrix> {
    const pooling = this.resolvePooling(options.pooling);
    const batchSize = options.batchSize ?? DEFAULT_IMAGE_BATCH_SIZE;
    const data = new Float32Array(inputs.length * this.dim);
    options.onProgress?.(0, inputs.length);
    for (let start = 0; start < inputs.length; start += batchSize) {
      const end = Math.min(inputs.length, start + batchSize);
      const images = await Promise.all(inputs.slice(start, end).map((input, i) => this.parts.decode(input, start + i)));
      const pooled = await this.forward(images, pooling);
      data.set(pooled, start * this.dim);
      options.onProgress?.(end, inputs.length);
    }
    return { rows: inputs.length, dim: this.dim, data };
  }

  /** Preprocesses and runs one batch of decoded images; returns [batch, dim] pooled features. */
  async forward(images: unknown[], pooling: Pooling): Promise<Float32Array> {
    const { pixel_values } = await this.parts.processor(images);
    let outputs: Record<string, Tensor>;
    try {
      outputs = (await this.parts.model({ pixel_values })) as Record<string, Tensor>;
    } finally {
      pixel_values.dispose?.();
    }
    this.calls++;
    try {
      return poolImageOutputs(outputs, pooling, this.family, images.length, this.dim);
    } finally {
      for (const tensor of Object.values(outputs)) tensor.dispose?.();
    }
  }

  async dispose(): Promise<void> {
    await this.parts.model.dispose();
  }
}

/**
 * `pooler`: the model's pooler_output; `cls`: row 0 of a token layout; `mean`: the average over the spatial
 * grid (CNNs) or over the patch tokens, CLS excluded (transformers).
 */
export function poolImageOutputs(outputs: Record<string, Tensor>, pooling: Pooling, family: ImageFamily, batch: number, dim: number): Float32Array {
  const out = new Float32Array(batch * dim);
  if (pooling === 'pooler') {
    const pooler = outputs.pooler_output;
    if (!pooler) throw usageError(`the model has no pooler_output (outputs: ${Object.keys(outputs).join(', ')}); use --pooling mean`, '--pooling');
    const values = float32Data(pooler);
    if (values.length !== batch * dim) throw runtimeError(`pooler_output holds ${values.length} values, expected ${batch} x ${dim}`);
    out.set(values);
    return out;
  }
  const hidden = outputs.last_hidden_state;
  if (!hidden) throw runtimeError(`the model has no last_hidden_state output (outputs: ${Object.keys(outputs).join(', ')})`);
  const values = float32Data(hidden);
  const dims = hidden.dims;
  if (family.layout === 'spatial') {
    // [batch, channels, height, width]
    if (dims.length !== 4 || dims[1] !== dim) throw runtimeError(`last_hidden_state has shape [${dims.join(', ')}], expected [batch, ${dim}, height, width]`);
    const area = dims[2] * dims[3];
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < dim; c++) {
        const base = (b * dim + c) * area;
        let sum = 0;
        for (let p = 0; p < area; p++) sum += values[base + p];
        out[b * dim + c] = sum / area;
      }
    }
    return out;
  }
  // [batch, positions, hidden], CLS first
  if (dims.length !== 3 || dims[2] !== dim) throw runtimeError(`last_hidden_state has shape [${dims.join(', ')}], expected [batch, positions, ${dim}]`);
  const positions = dims[1];
  for (let b = 0; b < batch; b++) {
    const base = b * positions * dim;
    if (pooling === 'cls') {
      out.set(values.subarray(base, base + dim), b * dim);
      continue;
    }
    const sum = new Float64Array(dim);
    for (let t = 1; t < positions; t++) for (let h = 0; h < dim; h++) sum[h] += values[base + t * dim + h];
    for (let h = 0; h < dim; h++) out[b * dim + h] = sum[h] / Math.max(1, positions - 1);
  }
  return out;
}

function float32Data(tensor: Tensor): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  return (tensor.to('float32') as Tensor).data as Float32Array;
}

/** One line naming the image when it cannot be decoded (zero bytes, truncated, corrupt, unsupported). */
export function imageDecodeError(where: string, error: unknown) {
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return inputError(`cannot decode the image: ${message}`, { file: where });
}
