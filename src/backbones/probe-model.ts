/**
 * A minimal ONNX model (`y = Identity(x)`, float32 [1]) encoded by hand, used only to ask ONNX Runtime
 * whether an execution provider can create a session. Building it here keeps the device probe free of
 * any model file on disk.
 */
export function identityModelBytes(): Uint8Array {
  const tensorType = message(1, varintField(1, 1), message(2, message(1, varintField(1, 1)))); // float, shape [1]
  const valueInfo = (name: string) => concat(stringField(1, name), message(2, tensorType));
  const node = concat(stringField(1, 'x'), stringField(2, 'y'), stringField(4, 'Identity'));
  const graph = concat(message(1, node), stringField(2, 'probe'), message(11, valueInfo('x')), message(12, valueInfo('y')));
  const opset = concat(stringField(1, ''), varintField(2, 13));
  return concat(varintField(1, 8), message(7, graph), message(8, opset));
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

function varintField(field: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(field << 3), ...varint(value)]);
}

function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return concat(Uint8Array.from([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes);
}

const stringField = (field: number, text: string) => bytesField(field, new TextEncoder().encode(text));
const message = (field: number, ...parts: Uint8Array[]) => bytesField(field, concat(...parts));

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
