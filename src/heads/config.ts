import { usageError } from '../errors.ts';

export const HEAD_TYPES = ['linear', 'mlp'] as const;
export const ACTIVATIONS = ['relu', 'gelu', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** What the user chooses: a linear probe, or an MLP with hidden sizes, activation and dropout. */
export type HeadConfig =
  | { type: 'linear' }
  | { type: 'mlp'; hidden: number[]; activation: Activation; dropout: number };

/** A head config bound to its input width and number of classes: enough to rebuild the weights' shapes. */
export type HeadSpec = HeadConfig & { inputDim: number; numClasses: number };

export function defaultMlpConfig(): HeadConfig {
  return { type: 'mlp', hidden: [256], activation: 'relu', dropout: 0.1 };
}

/** Checks a config a user (or a manifest) supplied; throws a usage error naming what is wrong. */
export function validateHeadConfig(config: HeadConfig): HeadConfig {
  if (config.type === 'linear') return { type: 'linear' };
  if (config.type !== 'mlp') throw usageError(`head must be one of ${HEAD_TYPES.join(', ')}; got '${(config as { type: string }).type}'`, '--head');
  if (!Array.isArray(config.hidden) || config.hidden.length === 0 || !config.hidden.every((h) => Number.isInteger(h) && h > 0)) {
    throw usageError(`mlp hidden sizes must be positive integers (e.g. 256 or 512,128); got '${String(config.hidden)}'`, '--hidden');
  }
  if (!ACTIVATIONS.includes(config.activation)) {
    throw usageError(`activation must be one of ${ACTIVATIONS.join(', ')}; got '${config.activation}'`, '--activation');
  }
  if (!(typeof config.dropout === 'number' && config.dropout >= 0 && config.dropout < 1)) {
    throw usageError(`dropout must be in [0, 1); got '${config.dropout}'`, '--dropout');
  }
  return { type: 'mlp', hidden: [...config.hidden], activation: config.activation, dropout: config.dropout };
}

/** Input → output width of each dense layer, in order (the last one produces the logits). */
export function layerShapes(spec: HeadSpec): { name: string; inputs: number; outputs: number }[] {
  const widths = spec.type === 'mlp' ? [spec.inputDim, ...spec.hidden] : [spec.inputDim];
  const shapes = widths.slice(1).map((outputs, i) => ({ name: `dense_${i}`, inputs: widths[i], outputs }));
  shapes.push({ name: 'classifier', inputs: widths[widths.length - 1], outputs: spec.numClasses });
  return shapes;
}

/** The width of the representation just before the classifier (the model-as-backbone output). */
export function penultimateDim(spec: HeadSpec): number {
  return spec.type === 'mlp' ? spec.hidden[spec.hidden.length - 1] : spec.inputDim;
}
