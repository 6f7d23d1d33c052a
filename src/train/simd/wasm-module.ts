/**
 * The optimizer's SIMD kernels as WebAssembly modules, assembled here from named opcodes (the
 * machine has no wasm toolchain, and a base64 blob could not be reviewed):
 *   - sumSquares(x, bytes) -> f64: Σ x² over float32s, each square and the sum in float64 (as the JS
 *     loop: the squares are exact, only the order of the additions differs);
 *   - adam(p, g, m, v, bytes, scale, beta1, 1-beta1, beta2, 1-beta2, keep, epsilonHat, stepSize, l2):
 *     ArrayOptimizer's Adam/AdamW update, the same operations in the same order, in float32 lanes;
 *   - adamOuter (one module per rank): the same update with the gradient given as two factors (below).
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
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f32Load: 0x2a,
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

/** `for (i = 0; i < bound; i += step) body` (i starts where it is): block { loop { br_if (i >= bound) out; body; i += step; br loop } }. */
function loopStep(i: number, bound: number, step: number, body: number[]): number[] {
  return [
    ...[op.block, op.void, op.loop, op.void],
    ...[...get(i), ...get(bound), op.i32GeU, op.brIf, 1],
    ...body,
    ...[...get(i), op.i32Const, ...sleb32(step), op.i32Add, ...set(i), op.br, 0],
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
      ...loopStep(i, bytes, 16, [
        ...load(x, i),
        ...set(x4),
        ...[...get(low), ...square(get(x4)), ...v(simd.f64x2Add), ...set(low)],
        ...[...get(high), ...square([...get(x4), ...get(x4), ...v(simd.shuffle, ...upperHalf)]), ...v(simd.f64x2Add), ...set(high)],
      ]),
      ...[...get(low), ...get(high), ...v(simd.f64x2Add), ...tee(low), ...v(simd.f64x2ExtractLane, 0), ...get(low), ...v(simd.f64x2ExtractLane, 1), op.f64Add],
    ],
  );
}

/** The Adam scalars' locals (splatted to v128) and the update's temporaries, from local `first` on. */
function adamLocals(first: number) {
  // k: 0 scale, 1 b1, 2 c1, 3 b2, 4 c2, 5 keep, 6 epsHat, 7 stepSize, 8 l2
  const lanes = (k: number) => first + k;
  return { lanes, pv: first + 9, gv: first + 10, mv: first + 11, vv: first + 12, count: 13 };
}

/** Splats the nine f32 scalar params (from param `firstParam`) into their v128 locals. */
const splatScalars = (firstParam: number, lanes: (k: number) => number) => Array.from({ length: 9 }, (_, k) => [...get(firstParam + k), ...v(simd.f32x4Splat), ...set(lanes(k))]).flat();

/**
 * One SIMD group of the Adam update at byte offset local `at` of p, m, v, given the instructions that
 * push the raw gradient: the same operations, in the same order, as ArrayOptimizer's JS loop.
 */
function adamUpdate([p, m, vv0]: [number, number, number], at: number, gradient: number[], l: ReturnType<typeof adamLocals>): number[] {
  const { lanes, pv, gv, mv, vv } = l;
  const mul = v(simd.f32x4Mul);
  const add = v(simd.f32x4Add);
  return [
    // pv = p; gv = g·scale + p·l2
    ...[...load(p, at), ...set(pv)],
    ...[...gradient, ...get(lanes(0)), ...mul, ...get(pv), ...get(lanes(8)), ...mul, ...add, ...set(gv)],
    // m = m·b1 + g·(1-b1)
    ...storeAt(m, at, [...load(m, at), ...get(lanes(1)), ...mul, ...get(gv), ...get(lanes(2)), ...mul, ...add, ...tee(mv)]),
    // v = v·b2 + g·g·(1-b2)
    ...storeAt(vv0, at, [...load(vv0, at), ...get(lanes(3)), ...mul, ...get(gv), ...get(gv), ...mul, ...get(lanes(4)), ...mul, ...add, ...tee(vv)]),
    // p = p·keep - (m / (sqrt(v) + epsHat))·stepSize
    ...storeAt(p, at, [
      ...[...get(pv), ...get(lanes(5)), ...mul],
      ...[...get(mv), ...get(vv), ...v(simd.f32x4Sqrt), ...get(lanes(6)), ...add, ...v(simd.f32x4Div), ...get(lanes(7)), ...mul],
      ...v(simd.f32x4Sub),
    ]),
  ];
}

function adamBody(): number[] {
  // params: 0 p, 1 g, 2 m, 3 v, 4 bytes, 5..13 the scalars (f32); locals: 14 i (i32), then adamLocals (v128)
  const [p, g, m, vv, bytes, i] = [0, 1, 2, 3, 4, 14];
  const l = adamLocals(15);
  return code(
    [
      [1, I32],
      [l.count, V128],
    ],
    [...splatScalars(5, l.lanes), ...loopStep(i, bytes, 16, adamUpdate([p, m, vv], i, load(g, i), l))],
  );
}

/**
 * Adam with the gradient of a weight W [in, out] given as factors, W's gradient = Aᵀ·B with A [rank, in]
 * and B [rank, out] (a linear layer's weight gradient over `rank` rows): each SIMD group of a row of the
 * gradient is formed as Σₖ A[k, i]·B[k, j..j+3] (k in order) and updated at once, so the dense gradient
 * never exists. Unrolled for one rank: A[k, i] splatted once a row into its own local.
 */
function adamOuterBody(rank: number): number[] {
  // params: 0 p, 1 a, 2 b, 3 m, 4 v, 5 inCount (rows of W to update, from p's), 6 aStride (bytes from A[k, ·] to A[k + 1, ·]:
  // 4·in, also when a run updates a range of W's rows, from A[0, first row]), 7 outBytes, 8..16 the scalars (f32)
  const [p, a, b, m, vv, inCount, aStride, outBytes] = [0, 1, 2, 3, 4, 5, 6, 7];
  // locals (i32): 17 i (byte offset of A[·, i]), 18 j (byte offset in a row of W), 19 row (row i's offset in W), 20 at (row + j), 21 inBytes, then A[k]'s and B[k]'s row pointers
  const [i, j, row, at, inBytes] = [17, 18, 19, 20, 21];
  const aRow = (k: number) => 22 + k;
  const bRow = (k: number) => 22 + rank + k;
  const l = adamLocals(22 + 2 * rank);
  const aSplat = (k: number) => 22 + 2 * rank + l.count + k;
  const ks = Array.from({ length: rank }, (_, k) => k);
  const pointers = ks.flatMap((k) => [
    ...[...get(a), ...get(aStride), op.i32Const, ...sleb32(k), op.i32Mul, op.i32Add, ...set(aRow(k))],
    ...[...get(b), ...get(outBytes), op.i32Const, ...sleb32(k), op.i32Mul, op.i32Add, ...set(bRow(k))],
  ]);
  const splatRow = ks.flatMap((k) => [...get(aRow(k)), ...get(i), op.i32Add, op.f32Load, 2, 0, ...v(simd.f32x4Splat), ...set(aSplat(k))]);
  const gradient = ks.flatMap((k) => [...get(aSplat(k)), ...load(bRow(k), j), ...v(simd.f32x4Mul), ...(k > 0 ? v(simd.f32x4Add) : [])]);
  return code(
    [
      [5 + 2 * rank, I32],
      [l.count + rank, V128],
    ],
    [
      ...splatScalars(8, l.lanes),
      ...[...get(inCount), op.i32Const, 2, op.i32Shl, ...set(inBytes)],
      ...pointers,
      ...loopStep(i, inBytes, 4, [
        ...splatRow,
        ...[op.i32Const, 0, ...set(j)],
        ...loopStep(j, outBytes, 16, [...get(row), ...get(j), op.i32Add, ...set(at), ...adamUpdate([p, m, vv], at, gradient, l)]),
        ...[...get(row), ...get(outBytes), op.i32Add, ...set(row)],
      ]),
    ],
  );
}

const moduleHeader = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/**
 * The import of env.memory: at least 0 pages; shared (the threads proposal's limits flag 0x03: shared,
 * with a maximum, here wasm32's 65536 pages) where the arena's memory is shared between threads.
 */
const importMemory = (shared: boolean) => section(2, vec([[...name('env'), ...name('memory'), 0x02, ...(shared ? [0x03, 0x00, ...uleb(65536)] : [0x00, 0x00])]]));
const signature = (i32s: number, f32s: number, results: number[]) => [0x60, ...vec([...Array<number[]>(i32s).fill([I32]), ...Array<number[]>(f32s).fill([F32])]), ...vec(results.map((r) => [r]))];

/** A module of the outer-product Adam for one rank: imports env.memory, exports adamOuter. */
export function outerAdamModuleBytes(rank: number, shared = false): Uint8Array {
  return Uint8Array.from([
    ...moduleHeader,
    ...section(1, vec([signature(8, 9, [])])),
    ...importMemory(shared),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('adamOuter'), 0x00, 0]])),
    ...section(10, vec([adamOuterBody(rank)])),
  ]);
}

/** The module's bytes: imports env.memory, exports sumSquares and adam. */
export function optimizerModuleBytes(shared = false): Uint8Array {
  return Uint8Array.from([
    ...moduleHeader,
    ...section(1, vec([signature(2, 0, [F64]), signature(5, 9, [])])),
    ...importMemory(shared),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([
      [...name('sumSquares'), 0x00, 0],
      [...name('adam'), 0x00, 1],
    ])),
    ...section(10, vec([sumSquaresBody(), adamBody()])),
  ]);
}
