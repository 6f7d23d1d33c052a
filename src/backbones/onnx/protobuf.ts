/**
 * A small protocol-buffers wire-format reader and writer: just what ONNX graph surgery needs.
 * Large byte fields (initializer tensors) stay as subarrays of the input and are written back as the
 * same slices, so a 400 MB model is never copied field by field.
 *
 * Written here rather than taken from protobufjs (in the tree through onnxruntime-web) for two features
 * protobufjs 7 lacks: it drops fields its schema does not name on decode (graph surgery must write every
 * field of a newer onnx.proto back), and `Writer.finish()` builds one contiguous buffer (our writer emits
 * chunks, so an edited model streams to disk next to the 400 MB of initializer slices it reuses).
 */

export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

const TWO_32 = 4294967296;

export class ProtoError extends Error {}

export class ProtoReader {
  pos: number;
  private view: DataView | undefined;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a tag; returns [fieldNumber, wireType]. */
  tag(): [number, WireType] {
    const key = this.uint();
    return [Math.floor(key / 8), (key & 7) as WireType];
  }

  /** An unsigned varint as [low 32 bits, high 32 bits]. */
  private varintParts(): [number, number] {
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 4; i++) {
      b = this.byte();
      lo |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return [lo >>> 0, 0];
    }
    b = this.byte();
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return [lo >>> 0, hi >>> 0];
    for (let i = 0; i < 5; i++) {
      b = this.byte();
      hi |= (b & 0x7f) << (7 * i + 3);
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new ProtoError(`malformed varint at byte ${this.pos}`);
  }

  private byte(): number {
    if (this.pos >= this.end) throw new ProtoError(`truncated message at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }

  /** An unsigned varint that must fit a JS number exactly (lengths, tags, enum values, dims). */
  uint(): number {
    const [lo, hi] = this.varintParts();
    if (hi > 0x1fffff) throw new ProtoError(`varint too large for a number at byte ${this.pos}`);
    return hi * TWO_32 + lo;
  }

  /** A two's-complement int64 varint as a number (ONNX axes and shape values can be negative). */
  int64(): number {
    const [lo, hi] = this.varintParts();
    if (hi & 0x80000000) {
      const value = -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1);
      if (!Number.isSafeInteger(value)) throw new ProtoError(`int64 too small for a number at byte ${this.pos}`);
      return value;
    }
    if (hi > 0x1fffff) throw new ProtoError(`int64 too large for a number at byte ${this.pos}`);
    return hi * TWO_32 + lo;
  }

  /** Any 64-bit varint, exactly. */
  int64Big(): bigint {
    const [lo, hi] = this.varintParts();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.view;
  }

  float(): number {
    this.need(4);
    const value = this.dataView().getFloat32(this.pos, true);
    this.pos += 4;
    return value;
  }

  double(): number {
    this.need(8);
    const value = this.dataView().getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ProtoError(`truncated message at byte ${this.pos}`);
  }

  /** A length-delimited field's payload, as a view into the input (no copy). */
  bytes(): Uint8Array {
    const length = this.uint();
    this.need(length);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(): string {
    return textDecoder.decode(this.bytes());
  }

  /** Skips the payload of a field whose tag was just read. */
  skip(wire: WireType): void {
    switch (wire) {
      case WireType.Varint:
        this.varintParts();
        return;
      case WireType.Fixed64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LengthDelimited: {
        const length = this.uint();
        this.need(length);
        this.pos += length;
        return;
      }
      case WireType.Fixed32:
        this.need(4);
        this.pos += 4;
        return;
      case WireType.StartGroup:
        for (;;) {
          const [, inner] = this.tag();
          if (inner === WireType.EndGroup) return;
          this.skip(inner);
        }
      default:
        throw new ProtoError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }

  /**
   * Reads the current field as raw bytes (tag included) starting at `fieldStart`, for fields a decoder
   * does not model: they are re-emitted unchanged.
   */
  rawSince(fieldStart: number, wire: WireType): Uint8Array {
    this.skip(wire);
    return this.buf.subarray(fieldStart, this.pos);
  }

  /** Values of a repeated scalar field: packed (one length-delimited run) or one per tag. */
  repeated(wire: WireType, readOne: (r: ProtoReader) => number, into: number[]): void {
    if (wire === WireType.LengthDelimited) {
      const length = this.uint();
      this.need(length);
      const inner = new ProtoReader(this.buf, this.pos, this.pos + length);
      while (!inner.done) into.push(readOne(inner));
      this.pos += length;
    } else {
      into.push(readOne(this));
    }
  }
}

/** Bytes whose content is produced only when written, so huge generated tensors need not all live in memory. */
export interface LazyBytes {
  readonly byteLength: number;
  produce(): Uint8Array;
}

export type Chunk = Uint8Array | LazyBytes;

const isLazy = (chunk: Chunk): chunk is LazyBytes => !(chunk instanceof Uint8Array);

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Slices at least this long are referenced, not copied, by the writer. */
const COPY_LIMIT = 512;

export class ProtoWriter {
  private readonly parts: Chunk[] = [];
  private scratch = new Uint8Array(256);
  private used = 0;
  private flushedLength = 0;

  get length(): number {
    return this.flushedLength + this.used;
  }

  private ensure(n: number): void {
    if (this.used + n <= this.scratch.length) return;
    const grown = new Uint8Array(Math.max(this.scratch.length * 2, this.used + n));
    grown.set(this.scratch.subarray(0, this.used));
    this.scratch = grown;
  }

  private flush(): void {
    if (this.used === 0) return;
    this.parts.push(this.scratch.slice(0, this.used));
    this.flushedLength += this.used;
    this.used = 0;
  }

  tag(field: number, wire: WireType): this {
    return this.uint(field * 8 + wire);
  }

  /** Non-negative integer up to 2^53. */
  uint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new ProtoError(`cannot encode ${value} as an unsigned varint`);
    this.ensure(10);
    while (value >= 0x80) {
      this.scratch[this.used++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.scratch[this.used++] = value;
    return this;
  }

  /** Signed int64 (two's complement, ten bytes when negative), as protobuf encodes `int64`. */
  int64(value: number | bigint): this {
    if (typeof value === 'number' && value >= 0) return this.uint(value);
    let big = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (big >= 0x80n) {
      this.scratch[this.used++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.scratch[this.used++] = Number(big);
    return this;
  }

  float(value: number): this {
    this.ensure(4);
    new DataView(this.scratch.buffer).setFloat32(this.used, value, true);
    this.used += 4;
    return this;
  }

  double(value: number): this {
    this.ensure(8);
    new DataView(this.scratch.buffer).setFloat64(this.used, value, true);
    this.used += 8;
    return this;
  }

  /** Appends already-encoded bytes (a raw field, say); long slices are referenced, not copied. */
  raw(chunk: Chunk): this {
    if (!isLazy(chunk) && chunk.length < COPY_LIMIT) {
      this.ensure(chunk.length);
      this.scratch.set(chunk, this.used);
      this.used += chunk.length;
      return this;
    }
    this.flush();
    this.parts.push(chunk);
    this.flushedLength += chunk.byteLength;
    return this;
  }

  // Field helpers: tag + payload.
  uintField(field: number, value: number): this {
    return this.tag(field, WireType.Varint).uint(value);
  }

  int64Field(field: number, value: number | bigint): this {
    return this.tag(field, WireType.Varint).int64(value);
  }

  floatField(field: number, value: number): this {
    return this.tag(field, WireType.Fixed32).float(value);
  }

  bytesField(field: number, data: Chunk): this {
    return this.tag(field, WireType.LengthDelimited).uint(data.byteLength).raw(data);
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, textEncoder.encode(value));
  }

  messageField(field: number, message: ProtoWriter): this {
    this.tag(field, WireType.LengthDelimited).uint(message.length);
    message.flush();
    this.flush();
    for (const part of message.parts) this.parts.push(part);
    this.flushedLength += message.flushedLength;
    return this;
  }

  packedInt64Field(field: number, values: ReadonlyArray<number | bigint>): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.int64(v);
    return this.messageField(field, inner);
  }

  packedFloatField(field: number, values: ArrayLike<number>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.float(values[i]!);
    return this.messageField(field, inner);
  }

  /** The encoded message as parts, in order; lazy parts are produced by whoever writes them out. */
  chunks(): Chunk[] {
    this.flush();
    return [...this.parts];
  }

  /** The whole message in one buffer (produces lazy parts). */
  finish(): Uint8Array {
    return concatChunks(this.chunks());
  }
}

export function concatChunks(chunks: readonly Chunk[]): Uint8Array {
  const total = chunks.reduce((sum, c) => sum + c.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    const bytes = isLazy(chunk) ? chunk.produce() : chunk;
    if (bytes.byteLength !== chunk.byteLength) throw new ProtoError('lazy chunk produced the wrong number of bytes');
    out.set(bytes, offset);
    offset += bytes.byteLength;
  }
  return out;
}

/** Materializes one chunk (lazy ones are produced now and checked against their declared size). */
export function chunkBytes(chunk: Chunk): Uint8Array {
  if (!isLazy(chunk)) return chunk;
  const bytes = chunk.produce();
  if (bytes.byteLength !== chunk.byteLength) throw new ProtoError('lazy chunk produced the wrong number of bytes');
  return bytes;
}

export const utf8 = { encode: (s: string) => textEncoder.encode(s), decode: (b: Uint8Array) => textDecoder.decode(b) };
