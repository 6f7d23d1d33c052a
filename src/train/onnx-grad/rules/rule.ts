/** What a vector-Jacobian rule sees: the forward node, the gradients of its outputs, and where to write. */
import type { NodeProto } from '../../../backbones/onnx/model.ts';
import type { Emitter } from '../emitter.ts';
import type { ShapeTable } from '../shapes.ts';

export interface VjpContext {
  node: NodeProto;
  e: Emitter;
  shapes: ShapeTable;
  /** The gradient of each output (undefined where no gradient flows back into it). */
  dy: (string | undefined)[];
  /** Whether input i needs a gradient (it is float and lies between the weights and the loss). */
  needs: boolean[];
}

/** Returns one gradient per input (undefined for inputs that need none). */
export type VjpRule = (c: VjpContext) => (string | undefined)[];

/** The gradient of the node's single (first) output; the sweep only calls a rule when one flows. */
export function outputGrad(c: VjpContext): string {
  const dy = c.dy[0];
  if (!dy) throw new Error(`addGradients: ${c.node.opType} node '${c.node.name}': no gradient for its first output`);
  return dy;
}

/** Gradients only for the inputs that need one (`make` is called lazily per input). */
export function forInputs(c: VjpContext, make: (i: number) => string | undefined): (string | undefined)[] {
  return c.node.input.map((_, i) => (c.needs[i] ? make(i) : undefined));
}
