import { fixed } from '../format.ts';

/** Number and time formats shared by the screens (on top of the line reporters' ones). */

/** 75 → "1:15", 3725 → "1:02:05"; unknown or endless → "--:--". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** Thousands separators, no decimals: 12345.6 → "12,346". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Rates: one decimal below 100, whole numbers above. */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return '-';
  return perSecond < 100 ? perSecond.toFixed(1) : formatCount(perSecond);
}

/** A metric with fixed decimals; '-' where there is none (a set missing from an epoch). */
export function formatMetric(value: number | undefined, digits = 4): string {
  return value === undefined ? '-' : fixed(value, digits);
}

export function formatPercent(fraction: number): string {
  return `${Math.floor(clamp01(fraction) * 100)}%`;
}

export function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Seconds until `remaining` units are done at `perSecond`. */
export function etaSeconds(remaining: number, perSecond: number | undefined): number | undefined {
  if (!perSecond || perSecond <= 0) return remaining <= 0 ? 0 : undefined;
  return remaining / perSecond;
}
