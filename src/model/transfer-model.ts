import { existsSync } from 'node:fs';
import { inputError, usageError } from '../errors.ts';
import type { BackboneReference, DeviceChoice, FeatureExtractor, FeatureMatrix, ImageInput, Pooling, TextInput } from '../core/index.ts';
import { standardize } from '../features/standardize.ts';
import type { AttentionResult, TextBackbone } from '../backbones/types.ts';
import { initTf } from '../heads/backend.ts';
import { Head } from '../heads/head.ts';
import { loadCheckpoint } from '../checkpoint/load.ts';
import type { CheckpointManifest } from '../checkpoint/manifest.ts';
import { penultimateFeatures, predictProbabilities } from '../train/evaluate.ts';
import { argMax } from '../train/metrics.ts';
import type { FeaturePool } from '../train/ort/feature-pool.ts';
import { pinnedRevision, sameBackbone } from '../backbones/hub-identity.ts';

/** Text pairs or images: a model reads what its backbone reads. */
export type ModelInput = TextInput | ImageInput;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the input type follows the checkpoint's modality
type AnyExtractor = FeatureExtractor<any>;

export type BackboneLoader = (reference: BackboneReference, options: LoadModelOptions) => Promise<AnyExtractor>;

export interface LoadModelOptions {
  device?: DeviceChoice;
  offline?: boolean;
  tfBackend?: string;
  /** false: load the head only (predictFeatures works; predict needs a backbone). Default true. */
  withBackbone?: boolean;
  /** How to load a pretrained (non-checkpoint) backbone; default: the Transformers.js text backbone. */
  loadBackbone?: BackboneLoader;
}

export interface Prediction {
  labels: string[];
  labelIndices: Int32Array;
  /** One row of class probabilities per input, in labelNames order. */
  probabilities: Float32Array[];
  /** Per input, when asked for (text backbones only). */
  attentions?: AttentionResult[];
}

/** A TransferKit model as the library sees it: a frozen-or-trainable head on top of a feature extractor. */
export interface ModelAsBackbone extends FeatureExtractor<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly reference: BackboneReference;
  /** The pooling and max length its own backbone runs with (what extract() applies, whatever it is asked). */
  readonly pooling?: Pooling;
  readonly maxLength?: number;
}

/**
 * A trained head plus what feeds it: loaded from a checkpoint, it predicts labels for raw inputs, or
 * serves — frozen — as the feature extractor of the next model (its penultimate representation).
 */
export class TransferModel {
  readonly dir: string;
  readonly manifest: CheckpointManifest;
  readonly head: Head;
  /** sha256 over the checkpoint's weights, head, labels and backbone: its identity as a backbone. */
  readonly identity: string;
  private backbone: AnyExtractor | null;

  private constructor(dir: string, manifest: CheckpointManifest, head: Head, identity: string, backbone: AnyExtractor | null) {
    this.dir = dir;
    this.manifest = manifest;
    this.head = head;
    this.identity = identity;
    this.backbone = backbone;
  }

  /**
   * Loads and verifies a checkpoint directory, then its backbone: a pretrained model by reference, or
   * — for a model trained on another TransferKit model — that checkpoint, recursively.
   */
  static async loadFromCheckpoint(dir: string, options: LoadModelOptions = {}): Promise<TransferModel> {
    await initTf(options.tfBackend);
    const loaded = await loadCheckpoint(dir, { offline: options.offline });
    const { manifest } = loaded;
    let backbone: AnyExtractor | null = null;
    if (manifest.backbone && options.withBackbone !== false) backbone = await loadBackboneFor(manifest.backbone, loaded.dir, options);
    // Trained backbone layers: ONNX Runtime runs the frozen lower part, TF.js the updated top.
    if (backbone && manifest.backboneWeights) backbone = await withTrainedLayers(backbone, manifest.backboneWeights.unfreezeTop, loaded.backbone, manifest.backboneWeights.sha256);
    const head = Head.fromWeights(manifest.head, loaded.weights);
    return new TransferModel(loaded.dir, manifest, head, loaded.identity, backbone);
  }

  get labelNames(): string[] {
    return this.manifest.labelNames;
  }

  get frozen(): boolean {
    return this.head.frozen;
  }

  /** Makes the head's variables non-trainable; passing this head to fit() is then refused. */
  freeze(): this {
    this.head.freeze();
    return this;
  }

  /**
   * Labels and probabilities for raw inputs, through the backbone the head was trained on: text pairs, or
   * images (file paths, Buffers, RawImages) for an image model.
   */
  async predict(inputs: ModelInput[], options: { attentions?: boolean; batchSize?: number } = {}): Promise<Prediction> {
    const backbone = this.requireBackbone();
    const features = await backbone.extract(inputs, {
      pooling: this.manifest.pooling ?? 'cls',
      maxLength: this.manifest.maxLength ?? 512,
      batchSize: options.batchSize,
    });
    if (options.attentions && !isTextBackbone(backbone)) throw usageError('attentions are only available from a text backbone', '--attentions');
    const prediction = await this.predictFeatures(features);
    if (!options.attentions || !isTextBackbone(backbone)) return prediction;
    const attentions: AttentionResult[] = [];
    for (const input of inputs as TextInput[]) attentions.push(await backbone.attend(input, this.manifest.maxLength ?? 512));
    return { ...prediction, attentions };
  }

  /** Labels and probabilities for features already extracted with this model's backbone. */
  async predictFeatures(features: FeatureMatrix): Promise<Prediction> {
    if (features.dim !== this.head.spec.inputDim) {
      throw usageError(`features are ${features.dim}-dim but this model's head takes ${this.head.spec.inputDim}`);
    }
    const k = this.head.spec.numClasses;
    const flat = await predictProbabilities(this.head, this.headInput(features));
    const probabilities: Float32Array[] = [];
    const labelIndices = new Int32Array(features.rows);
    for (let i = 0; i < features.rows; i++) {
      const row = flat.slice(i * k, (i + 1) * k);
      probabilities.push(row);
      labelIndices[i] = argMax(row);
    }
    return { labels: Array.from(labelIndices, (i) => this.labelNames[i]), labelIndices, probabilities };
  }

  /** What the next model's manifest records about this one when it serves as its backbone. */
  get reference(): BackboneReference {
    const modality = this.manifest.backbone?.modality;
    return { model: this.dir, identity: `transferkit:${this.identity}`, dim: this.head.penultimateDim, checkpoint: this.dir, ...(modality ? { modality } : {}) };
  }

  /** What the head reads: the features, standardised with the training statistics when it was trained so. */
  private headInput(features: FeatureMatrix): FeatureMatrix {
    return this.manifest.standardize ? standardize(features, this.manifest.standardize) : features;
  }

  /**
   * This model, frozen, as a feature extractor: inputs → backbone features → the head's penultimate
   * representation. The pooling and max length are this model's own (the head was trained on them).
   */
  asFeatureExtractor(): ModelAsBackbone {
    this.freeze();
    const model = this;
    return {
      identity: this.reference.identity,
      dim: this.head.penultimateDim,
      reference: this.reference,
      ...(this.manifest.pooling ? { pooling: this.manifest.pooling } : {}),
      ...(this.manifest.maxLength ? { maxLength: this.manifest.maxLength } : {}),
      async extract(inputs, options) {
        const backbone = model.requireBackbone();
        const features = await backbone.extract(inputs, {
          ...options,
          pooling: model.manifest.pooling ?? options.pooling,
          maxLength: model.manifest.maxLength ?? options.maxLength,
        });
        return penultimateFeatures(model.head, model.headInput(features));
      },
      dispose: () => model.dispose(),
    };
  }

  /** The penultimate representation of precomputed features (model-as-backbone without a backbone). */
  async penultimate(features: FeatureMatrix): Promise<FeatureMatrix> {
    return penultimateFeatures(this.head, this.headInput(features));
  }

  async dispose(): Promise<void> {
    this.head.dispose();
    await this.backbone?.dispose();
    this.backbone = null;
  }

  private requireBackbone(): AnyExtractor {
    if (this.backbone) return this.backbone;
    throw usageError(
      this.manifest.backbone
        ? 'this model was loaded without its backbone; load it with withBackbone: true to predict from inputs'
        : 'this checkpoint was trained on precomputed features and records no backbone; use predictFeatures()',
    );
  }
}

async function loadBackboneFor(reference: BackboneReference, dir: string, options: LoadModelOptions): Promise<AnyExtractor> {
  let backbone: AnyExtractor;
  if (reference.checkpoint) {
    if (!existsSync(reference.checkpoint)) {
      throw inputError(`this model's backbone is the TransferKit checkpoint ${reference.checkpoint}, which is missing`, { file: dir });
    }
    backbone = (await TransferModel.loadFromCheckpoint(reference.checkpoint, options)).asFeatureExtractor();
  } else if (options.loadBackbone) {
    backbone = await options.loadBackbone(reference, options);
  } else if (reference.modality === 'image') {
    const { loadImageBackbone } = await import('../backbones/load-image.ts');
    backbone = await loadImageBackbone(reference.model, { device: options.device, offline: options.offline, revision: pinnedRevision(reference), dtype: reference.dtype });
  } else {
    const { loadTextBackbone } = await import('../backbones/load.ts');
    // At the commit it was trained on, so a branch that moved since still gives the same features.
    backbone = await loadTextBackbone(reference.model, { device: options.device, offline: options.offline, revision: pinnedRevision(reference), dtype: reference.dtype });
  }
  if (!sameBackbone(backbone.identity, reference) || backbone.dim !== reference.dim) {
    await backbone.dispose();
    throw inputError(
      `backbone ${reference.model} is now ${backbone.identity} (${backbone.dim}-dim) but this model was trained on ${reference.identity} (${reference.dim}-dim); its features would not match`,
      { file: dir },
    );
  }
  return backbone;
}

/**
 * The checkpoint's backbone with its trained layers: a text backbone whose features come from the split
 * encoder, ONNX Runtime below and the trained layers in ONNX Runtime's forward graph where it builds for
 * the pooling (train/ort/feature-pool), else in TF.js; attention maps from the TF.js top.
 */
export async function withTrainedLayers(base: FeatureExtractor, top: number | 'all', weights: Map<string, Float32Array>, sha256: string): Promise<FeatureExtractor & Pick<TextBackbone, 'attend'>> {
  if (!isTextBackbone(base)) throw usageError('trained backbone layers need a text backbone');
  const { SplitEncoder } = await import('../backbones/split/split-encoder.ts');
  const { ortFeaturePool } = await import('../train/ort/feature-pool.ts');
  const split = await SplitEncoder.create(base, top, weights);
  const pools = new Map<Pooling, Promise<FeaturePool | null>>();
  const poolFor = (pooling: Pooling) => {
    if (!pools.has(pooling)) pools.set(pooling, ortFeaturePool(split, pooling));
    return pools.get(pooling)!;
  };
  return {
    identity: `${base.identity}+layers:${sha256}`,
    dim: split.dim,
    extract: async (inputs, options) => split.extract(inputs, options, (await poolFor(options.pooling))?.pool),
    attend: (input, maxLength) => split.attend(input, maxLength),
    dispose: async () => {
      for (const pool of pools.values()) await (await pool)?.dispose();
      await split.dispose();
      await base.dispose();
    },
  };
}

function isTextBackbone(extractor: AnyExtractor): extractor is TextBackbone {
  return typeof (extractor as TextBackbone).attend === 'function';
}
