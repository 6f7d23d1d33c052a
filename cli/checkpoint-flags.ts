import { DEVICE_CHOICES } from '../src/backbones/device.ts';
import { DATA_FLAGS, loadOptionsFromFlags } from '../src/data/flags.ts';
import { choiceFlag, intFlag, requireFlag } from './args.ts';

/** Flags shared by the commands that run a trained checkpoint over a data source (predict, eval). */
export const CHECKPOINT_RUN_FLAGS = {
  checkpoint: { type: 'string' },
  'batch-size': { type: 'string' },
  device: { type: 'string' },
  ...DATA_FLAGS,
} as const;

type Values = Parameters<typeof loadOptionsFromFlags>[0] & { checkpoint?: string; 'batch-size'?: string; device?: string };

export function checkpointRunOptions(values: Values) {
  return {
    checkpoint: requireFlag(values.checkpoint, '--checkpoint'),
    batchSize: intFlag(values['batch-size'], '--batch-size', 32),
    device: choiceFlag(values.device, '--device', DEVICE_CHOICES, 'auto'),
    loadOptions: loadOptionsFromFlags(values),
  };
}
