/**
 * Just enough of the WebAssembly binary format to emit one module of SIMD kernels: one function
 * type per function, all parameters and locals i32 or v128, one imported memory. Kernels are
 * generated rather than written out so that their register tiles can be unrolled by a loop.
 */

const I32 = 0x7f;
const V128 = 0x7b;

function unsigned(value: number): number[] {
  const out: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    out.push(byte);
  } while (rest !== 0);
  return out;
}

function signed(value: number): number[] {
  const out: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    const done = (rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...unsigned(bytes.length), ...bytes];
}

function section(id: number, bytes: number[]): number[] {
  return [id, ...unsigned(bytes.length), ...bytes];
}

function vector(items: number[][]): number[] {
  return [...unsigned(items.length), ...items.flat()];
}

/** A local (or parameter) of the function being written. */
export interface Local {
  readonly index: number;
  readonly type: 'i32' | 'v128';
}

/** Writes one function body; every method appends instructions and returns `this`. */
export class FunctionWriter {
  readonly code: number[] = [];
  private readonly params: Local[] = [];
  private readonly locals: Local[] = [];

  constructor(readonly exportName: string, paramCount: number) {
    for (let i = 0; i < paramCount; i++) this.params.push({ index: i, type: 'i32' });
  }

  param(index: number): Local {
    return this.params[index]!;
  }

  local(type: 'i32' | 'v128'): Local {
    const made = { index: this.params.length + this.locals.length, type };
    this.locals.push(made);
    return made;
  }

  get(local: Local): this { return this.op(0x20, ...unsigned(local.index)); }
  set(local: Local): this { return this.op(0x21, ...unsigned(local.index)); }
  tee(local: Local): this { return this.op(0x22, ...unsigned(local.index)); }
  i32(value: number): this { return this.op(0x41, ...signed(value)); }
  add(): this { return this.op(0x6a); }
  sub(): this { return this.op(0x6b); }
  mul(): this { return this.op(0x6c); }
  ltU(): this { return this.op(0x49); }
  eqz(): this { return this.op(0x45); }
  eq(): this { return this.op(0x46); }
  /** The first of the two values below the condition if it is non-zero, else the second. */
  select(): this { return this.op(0x1b); }
  /** i32.load at the address on the stack plus `offset`. */
  loadI32(offset = 0): this { return this.op(0x28, 2, ...unsigned(offset)); }
  /** `local += amount` for an i32 local. */
  increment(local: Local, amount: number): this { return this.get(local).i32(amount).add().set(local); }

  v128Load(offset = 0): this { return this.simd(0x00, 4, ...unsigned(offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b, 4, ...unsigned(offset)); }
  /** One float at the address on the stack plus `offset`, in all four lanes. */
  load32Splat(offset = 0): this { return this.simd(0x09, 2, ...unsigned(offset)); }
  v128Zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }
  /** All ones in the lanes where a > b, else zeros. */
  f32x4Gt(): this { return this.simd(0x44); }
  v128And(): this { return this.simd(0x4e); }
  /** Pushes `vector` with its lanes 2 and 3 moved to lanes 0 and 1 (a shuffle of it with itself). */
  highHalfOf(vector: Local): this {
    return this.get(vector).get(vector).simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
  }
  /** Lanes 0 and 1 of an f32x4 as an f64x2. */
  f64x2PromoteLow(): this { return this.simd(0x5f); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Sub(): this { return this.simd(0xf1); }
  f64x2Mul(): this { return this.simd(0xf2); }
  f32x4Sqrt(): this { return this.simd(0xe3); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Max(): this { return this.simd(0xe9); }
  /** Relaxed SIMD's a * b + c (fused where the processor has it). */
  f32x4RelaxedMadd(): this { return this.simd(0x105); }

  block(body: () => void): this { this.op(0x02, 0x40); body(); return this.op(0x0b); }
  loop(body: () => void): this { this.op(0x03, 0x40); body(); return this.op(0x0b); }
  ifThen(body: () => void): this {
    this.op(0x04, 0x40);
    body();
    return this.op(0x0b);
  }
  br(depth: number): this { return this.op(0x0c, ...unsigned(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...unsigned(depth)); }

  /** The function's type and body in the binary format. */
  encode(): { type: number[]; body: number[] } {
    const type = [0x60, ...vector(this.params.map(() => [I32])), 0];
    const groups: number[][] = [];
    for (const local of this.locals) {
      const last = groups.at(-1);
      const code = local.type === 'i32' ? I32 : V128;
      if (last !== undefined && last[1] === code) last[0]! += 1;
      else groups.push([1, code]);
    }
    const localBytes = vector(groups.map(([count, code]) => [...unsigned(count!), code!]));
    const body = [...localBytes, ...this.code, 0x0b];
    return { type, body: [...unsigned(body.length), ...body] };
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...unsigned(opcode), ...immediates);
  }
}

/** A module of `functions` importing its memory as env.memory (at least one page, any maximum). */
export function encodeModule(functions: readonly FunctionWriter[]): Uint8Array {
  const encoded = functions.map((f) => f.encode());
  const types = section(1, vector(encoded.map((e) => e.type)));
  const imports = section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 1]]));
  const declared = section(3, vector(encoded.map((_, i) => unsigned(i))));
  const exported = section(7, vector(functions.map((f, i) => [...name(f.exportName), 0x00, ...unsigned(i)])));
  const code = section(10, vector(encoded.map((e) => e.body)));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...declared, ...exported, ...code]);
}
