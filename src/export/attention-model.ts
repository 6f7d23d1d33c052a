import { resolve } from 'node:path';
import type { BackboneReference } from '../core/index.ts';
import { inputError } from '../errors.ts';

/** Backbone layers the checkpoint's run trained (their attention differs from the pretrained model's). */
export interface TrainedLayers {
  unfreezeTop: number | 'all';
  weights: Map<string, Float32Array>;
  sha256: string;
}

/** Enough model-as-backbone nesting for any real use; more means the references loop. */
const MAX_NESTING = 16;

/**
 * The text backbone under a TransferKit checkpoint: its manifest's backbone reference, followed through
 * checkpoints used as backbones (model as backbone) down to the pretrained encoder whose attention can be
 * shown. Each checkpoint is loaded and verified on the way (manifest, shapes, checksums).
 */
export async function checkpointTextBackbone(dir: string): Promise<{ reference: BackboneReference; maxLength: number | null; trained?: TrainedLayers }> {
  const { loadCheckpoint } = await import('../checkpoint/load.ts');
  const seen: string[] = [];
  let current = resolve(dir);
  for (;;) {
    if (seen.includes(current) || seen.length >= MAX_NESTING) {
      throw inputError(`checkpoint backbone references loop or nest too deep: ${[...seen, current].join(' -> ')}`, { file: dir });
    }
    seen.push(current);
    const { manifest, dir: loadedDir, backbone } = await loadCheckpoint(current);
    const reference = manifest.backbone;
    if (reference === null) {
      throw inputError('this checkpoint was trained on features given directly and records no backbone, so it has no attention to show; use --model', {
        file: current,
      });
    }
    // The checkpoint whose head saw the text backbone's features also says how long its inputs were.
    if (reference.checkpoint === undefined) {
      const trained = manifest.backboneWeights ? { unfreezeTop: manifest.backboneWeights.unfreezeTop, weights: backbone, sha256: manifest.backboneWeights.sha256 } : undefined;
      return { reference, maxLength: manifest.maxLength, ...(trained ? { trained } : {}) };
    }
    current = resolve(loadedDir, reference.checkpoint);
  }
}
