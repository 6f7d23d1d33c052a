import { inputError } from '../../errors.ts';
import { DataType, initializerTensor, tensorFloats, type ModelProto } from '../onnx/model.ts';

export interface WeightValues {
  dims: number[];
  data: Float32Array;
}

/** The float32 values of the named initializers (only those are decoded); a quantized or fp16 weight is refused. */
export function readInitializers(model: ModelProto, names: Iterable<string>): Map<string, WeightValues> {
  const wanted = new Set(names);
  const out = new Map<string, WeightValues>();
  for (const init of model.graph.initializer) {
    const tensor = initializerTensor(init);
    if (!wanted.has(tensor.name)) continue;
    if (tensor.dataType !== DataType.FLOAT) {
      throw inputError(`weight '${tensor.name}' is not float32 (ONNX data type ${tensor.dataType}); training backbone layers needs the fp32 model (--dtype fp32)`);
    }
    out.set(tensor.name, { dims: tensor.dims.slice(), data: tensorFloats(tensor) });
  }
  const missing = [...wanted].find((name) => !out.has(name));
  if (missing) throw inputError(`the ONNX graph has no initializer '${missing}'`);
  return out;
}
