/**
 * Writes pickles opcode by opcode, to craft the hostile `.pth` files of the fuzz suite (PyTorch is
 * not a test dependency). Only what the crafted cases need.
 */
export class PickleBuilder {
  private readonly out: number[] = [];

  op(...bytes: number[]): this {
    for (const b of bytes) this.out.push(b);
    return this;
  }

  raw(bytes: Uint8Array): this {
    for (const b of bytes) this.out.push(b);
    return this;
  }

  proto(version = 2): this {
    return this.op(0x80, version);
  }

  mark(): this {
    return this.op(0x28);
  }

  stop(): this {
    return this.op(0x2e);
  }

  none(): this {
    return this.op(0x4e);
  }

  /** BININT (signed 32-bit), or LONG1 beyond it. */
  int(value: number): this {
    if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
      this.op(0x4a);
      return this.u32(value >>> 0);
    }
    let big = BigInt(value);
    const bytes: number[] = [];
    for (let i = 0; i < 8; i++) {
      bytes.push(Number(big & 0xffn));
      big >>= 8n;
    }
    return this.op(0x8a, 8, ...bytes);
  }

  str(text: string): this {
    const bytes = new TextEncoder().encode(text);
    if (bytes.length < 256) return this.op(0x8c, bytes.length).raw(bytes);
    this.op(0x58);
    return this.u32(bytes.length).raw(bytes);
  }

  /** GLOBAL `module.name` (protocol 0-2 form). */
  global(module: string, name: string): this {
    return this.raw(new TextEncoder().encode(`c${module}\n${name}\n`));
  }

  tuple(): this {
    return this.op(0x74);
  }

  emptyTuple(): this {
    return this.op(0x29);
  }

  emptyDict(): this {
    return this.op(0x7d);
  }

  emptyList(): this {
    return this.op(0x5d);
  }

  setItem(): this {
    return this.op(0x73);
  }

  reduce(): this {
    return this.op(0x52);
  }

  newObj(): this {
    return this.op(0x81);
  }

  build(): this {
    return this.op(0x62);
  }

  binPut(index: number): this {
    return this.op(0x71, index);
  }

  binGet(index: number): this {
    return this.op(0x68, index);
  }

  binPersId(): this {
    return this.op(0x51);
  }

  u32(value: number): this {
    return this.op(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }

  /**
   * `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` on a
   * float storage `key` of `numel` elements, as torch.save writes a tensor.
   */
  tensor(key: string, numel: number, offset: number, size: readonly number[], stride: readonly number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', 'FloatStorage').str(key).str('cpu').int(numel).tuple().binPersId();
    this.int(offset);
    this.mark();
    for (const n of size) this.int(n);
    this.tuple().mark();
    for (const n of stride) this.int(n);
    this.tuple().op(0x89);
    this.global('collections', 'OrderedDict').emptyTuple().reduce();
    return this.tuple().reduce();
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** A state dict `{name: tensor}` of float tensors on storages `0`, `1`, ... as a protocol-2 pickle. */
export function stateDictPickle(tensors: readonly { name: string; numel: number; offset?: number; size: readonly number[]; stride: readonly number[] }[]): Uint8Array {
  const p = new PickleBuilder().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce();
  tensors.forEach((t, i) => {
    p.str(t.name).tensor(String(i), t.numel, t.offset ?? 0, t.size, t.stride).setItem();
  });
  return p.stop().bytes();
}
