/** The reference the vision parity tests compare with: what a user of plain Transformers.js writes. */
import { AutoImageProcessor, AutoModel, RawImage, type Tensor } from '@huggingface/transformers';

/** RawImage.read, AutoImageProcessor, AutoModel, then `pool` picks the output to compare. */
export async function plainTransformersJs(dir: string, files: string[], pool: (out: Record<string, Tensor>) => Float32Array): Promise<Float32Array> {
  const model = await AutoModel.from_pretrained(dir, { device: 'cpu', dtype: 'fp32', local_files_only: true });
  const processor = await AutoImageProcessor.from_pretrained(dir, { local_files_only: true });
  const { pixel_values } = await processor(await Promise.all(files.map((f) => RawImage.read(f))));
  const out = (await model({ pixel_values })) as Record<string, Tensor>;
  const pooled = pool(out);
  await model.dispose();
  return pooled;
}

export const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
