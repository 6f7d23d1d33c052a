import type { EpochEstimate } from '../train/estimate.ts';
import type { Metrics } from '../train/events.ts';

/** Short number formats shared by the line reporters. */
export const fixed = (n: number, digits = 4) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const rate = (n: number) => (n >= 100 ? Math.round(n).toString() : n.toFixed(1));
export const lr = (n: number) => n.toExponential(2);
export const seconds = (s: number) => {
  if (s < 90) return `${s.toFixed(1)}s`;
  // Round once, then split: rounding the remainder alone turns 119.6 s into "1m60s".
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}m${whole % 60}s`;
};

/** `matched loss 0.6123 acc 0.7420 macro-F1 0.7391 | mismatched ...` */
export function metricsLine(evalMetrics: Record<string, Metrics>): string {
  return Object.entries(evalMetrics)
    .map(([name, m]) => `${name} loss ${fixed(m.loss)} acc ${fixed(m.accuracy)} macro-F1 ${fixed(m.macroF1)}`)
    .join(' | ');
}

/** `estimate: layers 3-4 on wasm about 12m30s per epoch (1.25s/step x 600 steps, median of 3 timed steps; evaluation not included)` */
export function estimateLine(e: EpochEstimate): string {
  const perStep = e.secondsPerStep < 1 ? `${(e.secondsPerStep * 1000).toFixed(0)}ms` : seconds(e.secondsPerStep);
  return `estimate: ${e.layers} on ${e.engine} about ${seconds(e.secondsPerEpoch)} per epoch (${perStep}/step x ${e.stepsPerEpoch} steps, median of ${e.timedSteps} timed steps; evaluation not included)`;
}
