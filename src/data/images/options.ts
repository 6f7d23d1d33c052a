import type { ImageTableOptions } from './table.ts';

export interface LoadImageOptions extends ImageTableOptions {
  /** For a CIFAR-10 folder holding both: `data_batch_*.bin` (train, the default) or `test_batch.bin`. */
  split?: 'train' | 'test';
  /** Use only the Hugging Face cache for hub datasets. */
  offline?: boolean;
  onProgress?: (info: { phase: 'download' | 'read'; done: number; total?: number }) => void;
}
