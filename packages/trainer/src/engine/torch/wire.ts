import { CharrnnError } from "@charrnn/core";

/**
 * The byte format of messages between the torch engine and its rank-0 worker
 * (python/charrnn_torch/protocol.py is the other side): a little-endian u32 header length, the
 * header as UTF-8 JSON, then the raw little-endian bytes of each tensor `header.tensors` lists.
 */
export interface WireTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

export interface WireMessage {
  header: Record<string, unknown>;
  tensors: Map<string, WireTensor>;
}

interface TensorSpec {
  name: string;
  dtype: "float32" | "int32";
  shape: number[];
}

/** One message as bytes. */
export function encodeMessage(header: Record<string, unknown>, tensors: readonly WireTensor[] = []): Buffer {
  const specs: TensorSpec[] = tensors.map((t) => ({
    name: t.name,
    dtype: t.data instanceof Int32Array ? "int32" : "float32",
    shape: [...t.shape],
  }));
  const body = Buffer.from(JSON.stringify({ ...header, tensors: specs }), "utf8");
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length, 0);
  const parts: Buffer[] = [size, body];
  for (const t of tensors) parts.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return Buffer.concat(parts);
}

/** Cuts a byte stream into messages. */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete message, or `undefined` until more bytes arrive. */
  next(): WireMessage | undefined {
    if (this.buffered < 4) return undefined;
    const all = this.flatten();
    const size = all.readUInt32LE(0);
    if (all.length < 4 + size) return undefined;
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(all.subarray(4, 4 + size).toString("utf8")) as Record<string, unknown>;
    } catch (cause) {
      throw new CharrnnError("TORCH_PROTOCOL", "the torch worker sent an unreadable message", { cause });
    }
    const specs = (header.tensors ?? []) as TensorSpec[];
    let offset = 4 + size;
    let total = offset;
    for (const spec of specs) total += 4 * spec.shape.reduce((a, b) => a * b, 1);
    if (all.length < total) return undefined;
    const tensors = new Map<string, WireTensor>();
    for (const spec of specs) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      // Copied out: the typed array must own aligned memory, not alias the pooled chunk.
      const bytes = all.subarray(offset, offset + 4 * count);
      const data = spec.dtype === "int32" ? new Int32Array(count) : new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes);
      tensors.set(spec.name, { name: spec.name, shape: spec.shape, data });
      offset += 4 * count;
    }
    const rest = all.subarray(total);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return { header, tensors };
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }
}
