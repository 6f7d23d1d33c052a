import { usageError } from '../errors.ts';
import type { AttentionResult } from '../backbones/types.ts';

/** What a `--layers` / `--heads` value asked for, before the model's counts are known. */
export type IndexSpec = { all: true } | { all: false; ranges: Array<[number, number]>; text: string };

/** Model layer and head indices to export, ascending and without repeats. */
export interface AttentionSelection {
  layers: number[];
  heads: number[];
}

export interface SelectionSpec {
  layers: IndexSpec;
  heads: IndexSpec;
}

const ALL: IndexSpec = { all: true };

/**
 * Parses `all`, `3`, `0,2,5-7` (ranges inclusive). Only the syntax is checked here, so a typo fails before
 * the model loads; the range check against the model's counts happens in resolveIndexSpec.
 */
export function parseIndexSpec(value: string | undefined, flag: string): IndexSpec {
  if (value === undefined) return ALL;
  const text = value.trim();
  if (text.toLowerCase() === 'all') return ALL;
  if (text === '') throw usageError(`expected 'all' or indices such as 0,2,5-7; got an empty value`, flag);
  const ranges: Array<[number, number]> = [];
  for (const part of text.split(',')) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match) throw usageError(`expected 'all' or indices such as 0,2,5-7; '${part.trim()}' is not an index or a range`, flag);
    const start = Number(match[1]);
    const end = match[2] === undefined ? start : Number(match[2]);
    if (end < start) throw usageError(`range '${part.trim()}' runs backwards; write it as ${end}-${start}`, flag);
    ranges.push([start, end]);
  }
  return { all: false, ranges, text };
}

/** Turns a spec into sorted unique indices, failing with a usage error that names the flag and the valid range. */
export function resolveIndexSpec(spec: IndexSpec, count: number, flag: string, noun: string): number[] {
  if (spec.all) return Array.from({ length: count }, (_, i) => i);
  const chosen = new Set<number>();
  for (const [start, end] of spec.ranges) {
    if (end >= count) {
      const valid = count === 1 ? '0' : `0-${count - 1}`;
      throw usageError(`${noun} ${end} does not exist; the model has ${count} ${noun}s (${valid})`, flag);
    }
    for (let i = start; i <= end; i++) chosen.add(i);
  }
  return [...chosen].sort((a, b) => a - b);
}

export function parseSelectionSpec(layers: string | undefined, heads: string | undefined): SelectionSpec {
  return { layers: parseIndexSpec(layers, '--layers'), heads: parseIndexSpec(heads, '--heads') };
}

export function resolveSelection(spec: SelectionSpec, result: AttentionResult): AttentionSelection {
  return {
    layers: resolveIndexSpec(spec.layers, result.layers.length, '--layers', 'layer'),
    heads: resolveIndexSpec(spec.heads, result.numHeads, '--heads', 'head'),
  };
}
