/** Reading what ONNX Runtime's profiler (session option enableProfiling) and optimizedModelFilePath wrote. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readModelFile } from '../src/backbones/onnx/model-file.ts';

export interface KernelTimes {
  /** Microseconds of `model_run`, summed over the runs. */
  runTotal: number;
  /** Kernel microseconds per operator type and per node, summed over the runs. */
  perOp: Map<string, number>;
  perNode: Map<string, number>;
  kernelTotal: number;
}

/** The profile JSON in `dir` (onnxruntime-node writes <prefix>_<date>.json and does not return the name), summed. */
export async function kernelTimes(dir: string, prefix = 'profile'): Promise<KernelTimes> {
  const file = join(dir, (await readdir(dir)).find((name) => name.startsWith(prefix) && name.endsWith('.json'))!);
  const events = JSON.parse(await readFile(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  const perOp = new Map<string, number>();
  const perNode = new Map<string, number>();
  let runTotal = 0;
  for (const e of events) {
    if (e.cat === 'Session' && e.name === 'model_run') runTotal += e.dur;
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    perOp.set(op, (perOp.get(op) ?? 0) + e.dur);
    const node = e.name.replace(/_kernel_time$/, '');
    perNode.set(node, (perNode.get(node) ?? 0) + e.dur);
  }
  return { runTotal, perOp, perNode, kernelTotal: [...perOp.values()].reduce((a, b) => a + b, 0) };
}

/** 'MatMul×13, com.microsoft.Gelu×1, …': the operator types of the graph ONNX Runtime ran after its optimisations. */
export async function optimisedOps(modelFile: string): Promise<string> {
  const opCounts = new Map<string, number>();
  for (const node of (await readModelFile(modelFile)).graph.node) {
    const op = `${node.domain ? `${node.domain}.` : ''}${node.opType}`;
    opCounts.set(op, (opCounts.get(op) ?? 0) + 1);
  }
  return [...opCounts].map(([op, n]) => `${op}×${n}`).join(', ');
}
