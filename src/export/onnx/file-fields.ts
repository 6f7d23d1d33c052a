/**
 * Walks the protobuf fields of a file on disk without reading their payloads: each field is a span
 * (tag, payload start, end) that a caller reads only when it is small (a node, a name) or copies
 * through in pieces (a 90 MB embedding matrix). This is what lets a 434 MB model be rewritten while
 * holding only a small window of it in memory.
 */
import type { FileHandle } from 'node:fs/promises';
import { ProtoError, ProtoReader, WireType } from '../../backbones/onnx/protobuf.ts';

/** One field of a message: `start` is its tag, `payloadStart` the first byte after tag (and length). */
export interface FieldSpan {
  field: number;
  wire: WireType;
  start: number;
  payloadStart: number;
  end: number;
}

/** Bytes read ahead around a tag; tags, lengths and small fields then parse without another read. */
const WINDOW = 64 * 1024;
/** A tag plus a length prefix take at most this many bytes (two 10-byte varints). */
const HEADER_MAX = 20;

/** Positioned reads from an open file through one small window. */
export class FileCursor {
  private window = new Uint8Array(WINDOW);
  private windowStart = 0;
  private windowEnd = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  /** Bytes [start, end) as a view valid until the next call (copy them to keep them). */
  async read(start: number, end: number): Promise<Uint8Array> {
    if (start < 0 || end > this.size || end < start) throw new ProtoError(`truncated file: bytes ${start}..${end} of ${this.size}`);
    if (start >= this.windowStart && end <= this.windowEnd) return this.window.subarray(start - this.windowStart, end - this.windowStart);
    const length = Math.max(end - start, Math.min(WINDOW, this.size - start));
    if (length > this.window.length) this.window = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(this.window, filled, length - filled, start + filled);
      if (bytesRead === 0) throw new ProtoError(`unexpected end of file at byte ${start + filled}`);
      filled += bytesRead;
    }
    this.windowStart = start;
    this.windowEnd = start + length;
    return this.window.subarray(0, end - start);
  }

  /** The fields of the message occupying [start, end), in file order. */
  async *fields(start: number, end: number): AsyncGenerator<FieldSpan> {
    let pos = start;
    while (pos < end) {
      const header = await this.read(pos, Math.min(end, pos + HEADER_MAX));
      const r = new ProtoReader(header);
      const [field, wire] = r.tag();
      let payloadStart: number;
      let fieldEnd: number;
      if (wire === WireType.LengthDelimited) {
        const length = r.uint();
        payloadStart = pos + r.pos;
        fieldEnd = payloadStart + length;
      } else if (wire === WireType.Varint || wire === WireType.Fixed32 || wire === WireType.Fixed64) {
        payloadStart = pos + r.pos;
        r.skip(wire);
        fieldEnd = pos + r.pos;
      } else {
        throw new ProtoError(`unsupported wire type ${wire} at byte ${pos}`);
      }
      if (fieldEnd > end) throw new ProtoError(`field ${field} at byte ${pos} runs past the end of its message`);
      yield { field, wire, start: pos, payloadStart, end: fieldEnd };
      pos = fieldEnd;
    }
  }

  /** A whole field (tag included) as a fresh copy: for small fields only. */
  async copyOf(span: { start: number; end: number }): Promise<Uint8Array> {
    return (await this.read(span.start, span.end)).slice();
  }

  /** A varint field's value. */
  async uint(span: FieldSpan): Promise<number> {
    return new ProtoReader(await this.read(span.payloadStart, span.end)).uint();
  }

  async string(span: FieldSpan): Promise<string> {
    return new TextDecoder().decode(await this.read(span.payloadStart, span.end));
  }
}
