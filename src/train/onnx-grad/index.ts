/**
 * A reverse-mode differentiator over ONNX graphs: `addGradients` appends the backward pass of a float32
 * loss to a graph, so that ONNX Runtime computes loss and gradients in one inference run. Each op has one
 * vector-Jacobian rule (rules/*.ts), written once; rules compose, so no layer type has a hand-derived
 * backward graph. No maintained JavaScript library does this (onnxruntime-training's gradient builder is
 * C++/Python only and not part of onnxruntime-node), hence our own.
 *
 * API (the contract the ORT training engine codes against):
 *   addGradients(graph, { loss, wrt }) mutates `graph`: it appends the backward nodes and one graph output
 *   per `wrt` entry, named `grad.<name>` (gradientName), and returns wrt name → gradient output name.
 *   A `wrt` tensor the loss does not depend on gets zeros. An op without a rule on the path from the
 *   weights to the loss throws an Error naming the op and the node.
 *
 * Requirements: the emitted ops are opset 13–17 ones (ScatterND/ScatterElements with reduction 'add' need
 * opset 16), so run the result at opset 17 (`opset17Model(graph)`), including opset-14 exports, whose ops
 * mean the same at 17. ReduceMean/ReduceMax with axes as an input (opset 18) are read but not emitted.
 * Gradients flow through float32 tensors only.
 *
 * Broadcasting: every rule sums its input gradients back to the input's shape. A small shape inference
 * (shapes.ts) decides, when it can, which axes were broadcast, so the reduction has constant axes or is
 * skipped; where it cannot (unknown dims), the axes are computed at run time (Emitter.sumTo). The graph
 * is thus right for every shape the forward graph accepts, and cheap where shapes are known.
 */
export { addGradients, gradientName, DIFFERENTIABLE_OPS, type GradientRequest } from './differentiate.ts';
