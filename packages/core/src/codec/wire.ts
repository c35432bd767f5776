/**
 * Protobuf wire primitives: just what the SDK's messages need.
 * @internal
 */

/** Protobuf wire types. */
export const WireType = { varint: 0, fixed64: 1, bytes: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** A message that cannot be decoded. */
export class DecodeError extends Error {
  override name = "DecodeError";
}

/** Bytes needed to encode `value` as a varint (int32 values; negatives take 10). */
export function varintSize(value: number): number {
  if (value < 0) return 10;
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** A growable output buffer. */
export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initialSize = 64) {
    this.buf = new Uint8Array(initialSize);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Writes an int32/uint32/enum/bool value as a varint (negatives sign-extended to 64 bits). */
  varint(value: number): this {
    this.reserve(10);
    if (value < 0) {
      // two's complement over 64 bits: low 32 bits, then all-ones high bits
      let lo = value >>> 0;
      for (let i = 0; i < 4; i++) {
        this.buf[this.pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      this.buf[this.pos++] = (lo & 0x0f) | 0x70 | 0x80;
      for (let i = 0; i < 4; i++) this.buf[this.pos++] = 0xff;
      this.buf[this.pos++] = 0x01;
      return this;
    }
    while (value >= 0x80) {
      this.buf[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.pos++] = value;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** Writes a length-delimited field. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WireType.bytes).varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8Encoder.encode(value));
  }

  /** Writes a varint field unless it holds the proto3 default (0/false). */
  scalar(field: number, value: number | boolean): this {
    const n = typeof value === "boolean" ? (value ? 1 : 0) : value;
    return n === 0 ? this : this.tag(field, WireType.varint).varint(n);
  }

  /** Writes a string field unless it is empty (the proto3 default). */
  optString(field: number, value: string | undefined): this {
    return value === undefined || value === "" ? this : this.string(field, value);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Reads protobuf fields from one buffer. */
export class Reader {
  pos = 0;
  readonly end: number;

  constructor(private readonly buf: Uint8Array) {
    this.end = buf.length;
  }

  /** Reads a varint and returns its low 32 bits as an unsigned number. */
  uint32(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new DecodeError("truncated varint");
      const byte = this.buf[this.pos++] as number;
      if (shift < 32) result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result % 2 ** 32;
    }
    throw new DecodeError("varint longer than 10 bytes");
  }

  /** Reads a varint as a signed 32-bit integer (int32 semantics). */
  int32(): number {
    return this.uint32() | 0;
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  /** Reads a length-delimited value as a view into the buffer (no copy). */
  bytes(): Uint8Array {
    const length = this.uint32();
    const start = this.pos;
    if (length > this.end - start) throw new DecodeError("length-delimited field runs past the end");
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    try {
      return utf8Decoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof DecodeError) throw error;
      throw new DecodeError("invalid UTF-8 in a string field");
    }
  }

  /** Reads a tag; returns [field number, wire type]. */
  tag(): [number, number] {
    const tag = this.uint32();
    const field = tag >>> 3;
    if (field === 0) throw new DecodeError("field number 0");
    return [field, tag & 7];
  }

  /** Skips a field of an unknown number. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.varint:
        this.uint32();
        return;
      case WireType.fixed64:
        this.advance(8);
        return;
      case WireType.bytes:
        this.bytes();
        return;
      case WireType.fixed32:
        this.advance(4);
        return;
      default:
        throw new DecodeError(`unsupported wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new DecodeError("truncated fixed-width field");
    this.pos += n;
  }
}
