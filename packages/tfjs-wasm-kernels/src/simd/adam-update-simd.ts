import { encodeModule, FunctionWriter, type Local } from './wasm-emitter.js';
import { perMemory, webAssembly, type WasmMemory } from './webassembly.js';

/** Floats at the kernel's `constants` address, in this order. */
export const ADAM_CONSTANTS = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'correction2', 'epsilon', 'stepSize'] as const;

/**
 * The kernel's export: for `quads` groups of 4 floats at byte addresses p, m, v, g, writes
 *   m' = m * beta1 + g * (1 - beta1);  v' = v * beta2 + (g * g) * (1 - beta2)
 *   p' = p - (m' / (sqrt(v') / correction2 + epsilon)) * stepSize
 * to pOut, mOut, vOut. Each operation is one float32 operation in this order, those of the
 * composed tf ops, so the results are theirs bit for bit. quads must be at least 1.
 */
export type AdamUpdate = (p: number, m: number, v: number, g: number, pOut: number, mOut: number, vOut: number, constants: number, quads: number) => void;

const PARAMS = 9;

function writeKernel(): FunctionWriter {
  const f = new FunctionWriter('adam', PARAMS);
  const [p, m, v, g, pOut, mOut, vOut, constants, quads] =
    Array.from({ length: PARAMS }, (_, i) => f.param(i)) as [Local, Local, Local, Local, Local, Local, Local, Local, Local];
  const [beta1, oneMinusBeta1, beta2, oneMinusBeta2, correction2, epsilon, stepSize] = ADAM_CONSTANTS.map((_, i) => {
    const splat = f.local('v128');
    f.get(constants).load32Splat(i * 4).set(splat);
    return splat;
  }) as [Local, Local, Local, Local, Local, Local, Local];
  const offset = f.local('i32');
  const end = f.local('i32');
  const gradient = f.local('v128');
  const mNew = f.local('v128');
  const vNew = f.local('v128');
  const at = (base: Local): FunctionWriter => f.get(base).get(offset).add();
  f.get(quads).i32(16).mul().set(end);
  f.loop(() => {
    at(g).v128Load().set(gradient);
    at(m).v128Load().get(beta1).f32x4Mul().get(gradient).get(oneMinusBeta1).f32x4Mul().f32x4Add().set(mNew);
    at(v).v128Load().get(beta2).f32x4Mul().get(gradient).get(gradient).f32x4Mul().get(oneMinusBeta2).f32x4Mul().f32x4Add().set(vNew);
    at(mOut).get(mNew).v128Store();
    at(vOut).get(vNew).v128Store();
    at(pOut);
    at(p).v128Load();
    f.get(mNew).get(vNew).f32x4Sqrt().get(correction2).f32x4Div().get(epsilon).f32x4Add().f32x4Div().get(stepSize).f32x4Mul();
    f.f32x4Sub().v128Store();
    f.increment(offset, 16);
    f.get(offset).get(end).ltU().brIf(0);
  });
  return f;
}

let compiled: object | undefined;

/** The kernel working on `memory` (the wasm backend's heap), instantiated once per memory. */
export const adamUpdateOn: (memory: WasmMemory) => AdamUpdate = perMemory((memory) => {
  compiled ??= new webAssembly.Module(encodeModule([writeKernel()]));
  return new webAssembly.Instance(compiled, { env: { memory } }).exports.adam as AdamUpdate;
});
