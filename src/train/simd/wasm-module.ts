/**
 * The optimizer's two SIMD kernels as a WebAssembly module, assembled here from named opcodes (the
 * machine has no wasm toolchain, and a base64 blob could not be reviewed):
 *   - sumSquares(x, bytes) -> f64: Σ x² over float32s, each square and the sum in float64 (as the JS
 *     loop: the squares are exact, only the order of the additions differs);
 *   - adam(p, g, m, v, bytes, scale, beta1, 1-beta1, beta2, 1-beta2, keep, epsilonHat, stepSize, l2):
 *     ArrayOptimizer's Adam/AdamW update, the same operations in the same order, in float32 lanes.
 * Pointers and lengths are bytes in the imported memory; lengths are multiples of 16 (the arena pads
 * every array to 4 floats with zeros, which the update leaves at zero).
 */

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  f64Add: 0xa0,
  void: 0x40,
} as const;

/** SIMD instructions: prefix 0xfd, then the opcode as unsigned LEB128. */
const simd = {
  load: 0x00,
  store: 0x0b,
  shuffle: 0x0d,
  f32x4Splat: 0x13,
  f64x2ExtractLane: 0x21,
  f64x2PromoteLow: 0x5f,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f64x2Add: 0xf0,
  f64x2Mul: 0xf2,
} as const;

function uleb(n: number): number[] {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const sleb32 = (n: number): number[] => {
  const out = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
};

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (text: string): number[] => [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Function-body helpers: each returns the instruction's bytes. */
const get = (local: number) => [op.localGet, ...uleb(local)];
const set = (local: number) => [op.localSet, ...uleb(local)];
const tee = (local: number) => [op.localTee, ...uleb(local)];
const v = (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates];
/** v128.load / store at base + i, 16-byte aligned. */
const load = (base: number, i: number) => [...get(base), ...get(i), op.i32Add, ...v(simd.load, 4, 0)];
const storeAt = (base: number, i: number, value: number[]) => [...get(base), ...get(i), op.i32Add, ...value, ...v(simd.store, 4, 0)];

/** `for (i = 0; i < bytes; i += 16) body`: block { loop { br_if (i >= bytes) out; body; i += 16; br loop } }. */
function loop16(i: number, bytes: number, body: number[]): number[] {
  return [
    ...[op.block, op.void, op.loop, op.void],
    ...[...get(i), ...get(bytes), op.i32GeU, op.brIf, 1],
    ...body,
    ...[...get(i), op.i32Const, ...sleb32(16), op.i32Add, ...set(i), op.br, 0],
    ...[op.end, op.end],
  ];
}

/** Locals: (params) then declared groups; returns the code entry. */
const code = (locals: [count: number, type: number][], body: number[]) => {
  const entry = [...vec(locals.map(([count, type]) => [...uleb(count), type])), ...body, op.end];
  return [...uleb(entry.length), ...entry];
};

function sumSquaresBody(): number[] {
  // params: 0 x, 1 bytes; locals: 2 i (i32), 3 x4, 4 lowSum, 5 highSum (v128)
  const [x, bytes, i, x4, low, high] = [0, 1, 2, 3, 4, 5];
  const upperHalf = Array.from({ length: 16 }, (_, k) => 8 + (k % 8));
  const square = (lanes: number[]) => [...lanes, ...v(simd.f64x2PromoteLow), ...tee(6), ...get(6), ...v(simd.f64x2Mul)];
  return code(
    [
      [1, I32],
      [4, V128],
    ],
    [
      ...loop16(i, bytes, [
        ...load(x, i),
        ...set(x4),
        ...[...get(low), ...square(get(x4)), ...v(simd.f64x2Add), ...set(low)],
        ...[...get(high), ...square([...get(x4), ...get(x4), ...v(simd.shuffle, ...upperHalf)]), ...v(simd.f64x2Add), ...set(high)],
      ]),
      ...[...get(low), ...get(high), ...v(simd.f64x2Add), ...tee(low), ...v(simd.f64x2ExtractLane, 0), ...get(low), ...v(simd.f64x2ExtractLane, 1), op.f64Add],
    ],
  );
}

function adamBody(): number[] {
  // params: 0 p, 1 g, 2 m, 3 v, 4 bytes, 5..13 scale b1 c1 b2 c2 keep epsHat stepSize l2 (f32)
  // locals: 14 i (i32); 15..23 the scalars splatted (v128); 24 pv, 25 gv, 26 mv, 27 vv (v128)
  const [p, g, m, vv0, bytes, i] = [0, 1, 2, 3, 4, 14];
  const lanes = (k: number) => 15 + k; // k: 0 scale, 1 b1, 2 c1, 3 b2, 4 c2, 5 keep, 6 epsHat, 7 stepSize, 8 l2
  const [pv, gv, mv, vv] = [24, 25, 26, 27];
  const splats = Array.from({ length: 9 }, (_, k) => [...get(5 + k), ...v(simd.f32x4Splat), ...set(lanes(k))]).flat();
  const mul = v(simd.f32x4Mul);
  const add = v(simd.f32x4Add);
  return code(
    [
      [1, I32],
      [13, V128],
    ],
    [
      ...splats,
      ...loop16(i, bytes, [
        // pv = p; gv = g·scale + p·l2
        ...[...load(p, i), ...set(pv)],
        ...[...load(g, i), ...get(lanes(0)), ...mul, ...get(pv), ...get(lanes(8)), ...mul, ...add, ...set(gv)],
        // m = m·b1 + g·(1-b1)
        ...storeAt(m, i, [...load(m, i), ...get(lanes(1)), ...mul, ...get(gv), ...get(lanes(2)), ...mul, ...add, ...tee(mv)]),
        // v = v·b2 + g·g·(1-b2)
        ...storeAt(vv0, i, [...load(vv0, i), ...get(lanes(3)), ...mul, ...get(gv), ...get(gv), ...mul, ...get(lanes(4)), ...mul, ...add, ...tee(vv)]),
        // p = p·keep - (m / (sqrt(v) + epsHat))·stepSize
        ...storeAt(p, i, [
          ...[...get(pv), ...get(lanes(5)), ...mul],
          ...[...get(mv), ...get(vv), ...v(simd.f32x4Sqrt), ...get(lanes(6)), ...add, ...v(simd.f32x4Div), ...get(lanes(7)), ...mul],
          ...v(simd.f32x4Sub),
        ]),
      ]),
    ],
  );
}

/** The module's bytes: imports env.memory, exports sumSquares and adam. */
export function optimizerModuleBytes(): Uint8Array {
  const sumSquaresType = [0x60, ...vec([[I32], [I32]]), ...vec([[F64]])];
  const adamType = [0x60, ...vec([...Array<number[]>(5).fill([I32]), ...Array<number[]>(9).fill([F32])]), ...vec([])];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([sumSquaresType, adamType])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([
      [...name('sumSquares'), 0x00, 0],
      [...name('adam'), 0x00, 1],
    ])),
    ...section(10, vec([sumSquaresBody(), adamBody()])),
  ]);
}
