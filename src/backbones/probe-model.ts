import { makeNode, tensorValueInfo } from './onnx/build.ts';
import { DataType, emptyGraph, encodeModel } from './onnx/model.ts';

/**
 * A minimal ONNX model (`y = Identity(x)`, float32 [1]) built in memory, used only to ask ONNX Runtime
 * whether an execution provider can create a session, without any model file on disk.
 */
export function identityModelBytes(): Uint8Array {
  const graph = emptyGraph('probe');
  graph.node.push(makeNode('Identity', ['x'], ['y'], 'identity'));
  graph.input.push(tensorValueInfo('x', DataType.FLOAT, [1]));
  graph.output.push(tensorValueInfo('y', DataType.FLOAT, [1]));
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'transferkit-device-probe',
    producerVersion: '1',
    graph,
    unknown: [],
  });
}
