import { inputError } from '../../errors.ts';
import type { WeightQuantization } from '../onnx/graph-index.ts';
import { DataType, initializerTensor, tensorFloats, type ModelProto, type TensorProto } from '../onnx/model.ts';
import { chunkBytes } from '../onnx/protobuf.ts';

export interface WeightValues {
  dims: number[];
  data: Float32Array;
}

/**
 * The float32 values of the named initializers (only those are decoded). An int8 / uint8 weight named in
 * `quantized` (a dynamically quantized model's MatMul kernel) is read back as (q - zero point) · scale;
 * any other non-float weight is refused.
 */
export function readInitializers(model: ModelProto, names: Iterable<string>, quantized: ReadonlyMap<string, WeightQuantization> = new Map()): Map<string, WeightValues> {
  const wanted = new Set(names);
  for (const q of quantized.values()) {
    wanted.add(q.scale);
    if (q.zeroPoint) wanted.add(q.zeroPoint);
  }
  const tensors = new Map<string, TensorProto>();
  for (const init of model.graph.initializer) {
    const tensor = initializerTensor(init);
    if (wanted.has(tensor.name)) tensors.set(tensor.name, tensor);
  }
  const missing = [...wanted].find((name) => !tensors.has(name));
  if (missing) throw inputError(`the ONNX graph has no initializer '${missing}'`);
  const out = new Map<string, WeightValues>();
  for (const name of names) {
    const tensor = tensors.get(name)!;
    const quantization = quantized.get(name);
    if (quantization) {
      out.set(name, { dims: tensor.dims.slice(), data: dequantize(tensor, tensors.get(quantization.scale)!, quantization.zeroPoint ? tensors.get(quantization.zeroPoint) : undefined) });
      continue;
    }
    if (tensor.dataType !== DataType.FLOAT) {
      throw inputError(`weight '${tensor.name}' is not float32 (ONNX data type ${tensor.dataType}); training backbone layers needs the fp32 or q8 model (--dtype fp32 or q8)`);
    }
    out.set(name, { dims: tensor.dims.slice(), data: tensorFloats(tensor) });
  }
  return out;
}

/** An int8/uint8 [K, N] kernel as floats: per-column (or one) scale and zero point. */
function dequantize(q: TensorProto, scaleTensor: TensorProto, zeroPointTensor: TensorProto | undefined): Float32Array {
  if ((q.dataType !== DataType.INT8 && q.dataType !== DataType.UINT8) || q.dims.length !== 2 || !q.rawData) {
    throw inputError(`weight '${q.name}' is not a 2-D int8/uint8 tensor with raw data, so it cannot be read back as floats`);
  }
  const [k, n] = q.dims as [number, number];
  const bytes = chunkBytes(q.rawData);
  const values = q.dataType === DataType.INT8 ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
  const scale = tensorFloats(scaleTensor);
  const zeroPoint = zeroPointTensor ? integerValues(zeroPointTensor) : new Int32Array(1);
  if ((scale.length !== 1 && scale.length !== n) || (zeroPoint.length !== 1 && zeroPoint.length !== n)) {
    throw inputError(`weight '${q.name}': scale / zero point must have 1 or ${n} values (one per output column)`);
  }
  const out = new Float32Array(k * n);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = (values[i * n + j]! - zeroPoint[zeroPoint.length === 1 ? 0 : j]!) * scale[scale.length === 1 ? 0 : j]!;
  }
  return out;
}

function integerValues(t: TensorProto): Int32Array {
  const bytes = t.rawData ? chunkBytes(t.rawData) : Uint8Array.from(t.int32Data ?? []);
  return Int32Array.from(t.dataType === DataType.INT8 ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes);
}
