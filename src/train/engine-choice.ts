/**
 * --train-engine: `ort` trains the layers in ONNX Runtime (on the backbone's device, which followed
 * --device with extraction's fallback and diagnosis), `tfjs` in TF.js, `auto` in ONNX Runtime wherever
 * its training-step graph builds for this model and head (else TF.js, saying why).
 */
import type { SplitEncoder } from '../backbones/split/split-encoder.ts';
import type { ResolvedDevice } from '../backbones/device.ts';
import type { Pooling } from '../core/index.ts';
import type { HeadSpec } from '../heads/config.ts';
import type { Head, NamedVariable } from '../heads/head.ts';
import { usageError } from '../errors.ts';
import type { Emit } from './events.ts';
import type { TrainEngineChoice, TrainingEngine } from './engine.ts';
import type { Optimizer } from './optimizers.ts';
import { addGradients } from './onnx-grad/index.ts';
import { OrtEngine } from './ort/ort-engine.ts';
import { TfjsEngine } from './tfjs-engine.ts';

export interface EngineContext {
  choice: TrainEngineChoice;
  split: SplitEncoder;
  head: Head;
  spec: HeadSpec;
  pooling: Pooling;
  /** Every trained parameter (head and backbone), by optimizer name. */
  params: NamedVariable[];
  optimizer: Optimizer;
  tfBackend: string;
  batchSize: number;
  emit: Emit;
}

export async function chooseTrainingEngine(c: EngineContext): Promise<TrainingEngine> {
  const tfjs = () => new TfjsEngine(c.split, c.head, c.pooling, c.params, c.optimizer, c.tfBackend);
  if (c.choice === 'tfjs') return announce(c, tfjs());
  let ort: OrtEngine | undefined;
  try {
    ort = new OrtEngine(c.split, c.spec, c.pooling, addGradients, c.split.base.device as ResolvedDevice);
    ort.check(c.batchSize);
  } catch (error) {
    await ort?.dispose();
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    if (c.choice === 'ort') throw usageError(`the layers cannot train on ONNX Runtime: ${why}; use --train-engine tfjs`, '--train-engine');
    return announce(c, tfjs(), ` (--train-engine auto: ONNX Runtime cannot: ${why})`);
  }
  await ort.attach(c.params, c.optimizer);
  return announce(c, ort);
}

function announce(c: EngineContext, engine: TrainingEngine, why = ''): TrainingEngine {
  c.emit({ type: 'notice', message: `${c.split.describeTrained()} train on ${engine.name}${why}` });
  return engine;
}
