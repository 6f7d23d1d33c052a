import { clamp01 } from './format.ts';

const BLOCKS = '▁▂▃▄▅▆▇█';

/**
 * A one-line chart: the series is averaged into at most `width` buckets, each drawn as a block whose
 * height is its value between the series' min and max. A flat series draws as a middle line.
 */
export function sparkline(values: readonly number[], width: number): string {
  const points = bucketMeans(values.filter(Number.isFinite), width);
  if (points.length === 0) return '';
  const min = Math.min(...points);
  const max = Math.max(...points);
  return points
    .map((v) => {
      const level = max > min ? clamp01((v - min) / (max - min)) : 0.5;
      return BLOCKS[Math.round(level * (BLOCKS.length - 1))];
    })
    .join('');
}

/** Averages `values` into at most `buckets` consecutive groups of (nearly) equal size. */
export function bucketMeans(values: readonly number[], buckets: number): number[] {
  if (values.length <= buckets) return [...values];
  const means: number[] = [];
  for (let b = 0; b < buckets; b += 1) {
    const start = Math.floor((b * values.length) / buckets);
    const end = Math.floor(((b + 1) * values.length) / buckets);
    let sum = 0;
    for (let i = start; i < end; i += 1) sum += values[i];
    means.push(sum / (end - start));
  }
  return means;
}

/** A horizontal bar of `width` cells, `fraction` of them filled. */
export function bar(fraction: number, width: number): { filled: string; empty: string } {
  const cells = Math.round(clamp01(fraction) * width);
  return { filled: '█'.repeat(cells), empty: '░'.repeat(width - cells) };
}
