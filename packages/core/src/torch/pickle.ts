import { TorchTensor } from './torch-tensor.js';
import { PyClassRef, PyObject, describePyValue, type PyDict, type PyKey, type PyValue } from './py-values.js';
import { ReadError } from '../util/read-error.js';
import { limitVariable, readLimits } from '../util/read-limits.js';

/**
 * A pickle reader that never runs code. It implements the opcodes `torch.save` emits (protocols
 * 2 to 5, binary forms only), by name. `GLOBAL` yields an inert class reference; `REDUCE` may
 * only call the functions in the allowlist the caller passes (tensor rebuilders, OrderedDict);
 * `NEWOBJ` plus `BUILD` of any other class yields an inert {@link PyObject}. Anything else is an
 * error naming the opcode or the class.
 */

/** A function pickle may call through `REDUCE`, keyed `module.name` in the allowlist. */
export type PickleCallable = (args: readonly PyValue[]) => PyValue;

export interface UnpickleOptions {
  /** Names the file in errors. */
  readonly source: string;
  /** Functions `REDUCE` may call, by `module.name`. */
  readonly callables: Readonly<Record<string, PickleCallable>>;
  /** Resolves `BINPERSID` ids (torch's storages); absent means persistent ids are an error. */
  readonly persistentLoad?: (pid: PyValue) => PyValue;
}

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT',
  0x4a: 'BININT', 0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID',
  0x51: 'BINPERSID', 0x52: 'REDUCE', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT',
  0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET', 0x69: 'INST', 0x6a: 'LONG_BINGET',
  0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT',
  0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1',
  0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4',
  0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** The result of {@link unpickle}: the value and the offset just past its `STOP`. */
export interface UnpickleResult {
  readonly value: PyValue;
  readonly end: number;
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

/** Reads one pickle starting at `offset` of `bytes`. */
export function unpickle(bytes: Uint8Array, offset: number, options: UnpickleOptions): UnpickleResult {
  return new Unpickler(bytes, offset, options).run();
}

class Unpickler {
  private pos: number;
  private readonly view: DataView;
  private stack: StackItem[] = [];
  /** Stack heights at each MARK (Python's metastack), so that popMark is O(items). */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private opcodeName = '';

  constructor(private readonly bytes: Uint8Array, offset: number, private readonly options: UnpickleOptions) {
    this.pos = offset;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): UnpickleResult {
    for (;;) {
      const at = this.pos;
      const code = this.u8();
      this.opcodeName = OPCODE_NAMES[code] ?? `0x${code.toString(16).padStart(2, '0')}`;
      const done = this.step(code, at);
      if (done) return { value: this.pop(), end: this.pos };
    }
  }

  private fail(message: string): never {
    throw new ReadError(this.options.source, message);
  }

  /** Executes one opcode; true at STOP. */
  private step(code: number, at: number): boolean {
    switch (this.opcodeName) {
      case 'PROTO': {
        const protocol = this.u8();
        if (protocol > 5) this.fail(`pickle protocol ${protocol} is newer than 5`);
        return false;
      }
      case 'FRAME':
        this.take(8); // frame length; frames are only a buffering hint
        return false;
      case 'STOP':
        if (this.stack.length !== 1) this.fail(`pickle ended with ${this.stack.length} values on its stack, expected 1`);
        return true;
      case 'MARK':
        this.marks.push(this.stack.length);
        this.stack.push(MARK);
        return false;
      case 'POP':
        this.pop();
        return false;
      case 'POP_MARK':
        this.popMark();
        return false;
      case 'DUP':
        this.push(this.top());
        return false;
      case 'NONE':
        this.push(null);
        return false;
      case 'NEWTRUE':
        this.push(true);
        return false;
      case 'NEWFALSE':
        this.push(false);
        return false;
      case 'BININT':
        this.push(this.view.getInt32(this.advance(4), true));
        return false;
      case 'BININT1':
        this.push(this.u8());
        return false;
      case 'BININT2':
        this.push(this.view.getUint16(this.advance(2), true));
        return false;
      case 'LONG1':
        this.push(longFromBytes(this.take(this.u8())));
        return false;
      case 'LONG4': {
        const length = this.lengthOf(4);
        const limit = readLimits().maxPickleIntBytes;
        if (length > limit) {
          this.fail(`pickled integer of ${length} bytes (LONG4 at byte ${at}), expected at most ${limit} (raise it with ${limitVariable('maxPickleIntBytes')})`);
        }
        this.push(longFromBytes(this.take(length)));
        return false;
      }
      case 'BINFLOAT':
        this.push(this.view.getFloat64(this.advance(8), false));
        return false;
      case 'SHORT_BINUNICODE':
        this.push(this.text(this.take(this.u8())));
        return false;
      case 'BINUNICODE':
        this.push(this.text(this.take(this.lengthOf(4))));
        return false;
      case 'BINUNICODE8':
        this.push(this.text(this.take(this.lengthOf(8))));
        return false;
      case 'SHORT_BINSTRING':
        this.push(latin1(this.take(this.u8())));
        return false;
      case 'BINSTRING':
        this.push(latin1(this.take(this.lengthOf(4))));
        return false;
      case 'SHORT_BINBYTES':
        this.push(this.take(this.u8()).slice());
        return false;
      case 'BINBYTES':
        this.push(this.take(this.lengthOf(4)).slice());
        return false;
      case 'BINBYTES8':
        this.push(this.take(this.lengthOf(8)).slice());
        return false;
      case 'EMPTY_DICT':
        this.push(new Map());
        return false;
      case 'EMPTY_LIST':
        this.push([]);
        return false;
      case 'EMPTY_TUPLE':
        this.push(Object.freeze([]));
        return false;
      case 'TUPLE':
        this.push(Object.freeze(this.popMark()));
        return false;
      case 'TUPLE1':
        this.push(Object.freeze([this.pop()]));
        return false;
      case 'TUPLE2': {
        const b = this.pop();
        this.push(Object.freeze([this.pop(), b]));
        return false;
      }
      case 'TUPLE3': {
        const c = this.pop();
        const b = this.pop();
        this.push(Object.freeze([this.pop(), b, c]));
        return false;
      }
      case 'LIST':
        this.push(this.popMark());
        return false;
      case 'DICT': {
        const dict: PyDict = new Map();
        this.setItems(dict, this.popMark());
        this.push(dict);
        return false;
      }
      case 'BINPUT':
        this.memo.set(this.u8(), this.top());
        return false;
      case 'LONG_BINPUT':
        this.memo.set(this.view.getUint32(this.advance(4), true), this.top());
        return false;
      case 'MEMOIZE':
        this.memo.set(this.memo.size, this.top());
        return false;
      case 'BINGET':
        this.push(this.memoGet(this.u8()));
        return false;
      case 'LONG_BINGET':
        this.push(this.memoGet(this.view.getUint32(this.advance(4), true)));
        return false;
      case 'APPEND': {
        const item = this.pop();
        this.list(this.top()).push(item);
        return false;
      }
      case 'APPENDS': {
        const items = this.popMark();
        const list = this.list(this.top());
        // One push per item: push(...items) overflows the call stack for a few 100k items.
        for (const item of items) list.push(item);
        return false;
      }
      case 'SETITEM': {
        const value = this.pop();
        const key = this.pop();
        this.setItems(this.dict(this.top()), [key, value]);
        return false;
      }
      case 'SETITEMS': {
        const items = this.popMark();
        this.setItems(this.dict(this.top()), items);
        return false;
      }
      case 'EMPTY_SET':
        // Sets are read as lists: nothing torch saves depends on set semantics.
        this.push([]);
        return false;
      case 'ADDITEMS': {
        const items = this.popMark();
        const list = this.list(this.top());
        for (const item of items) list.push(item);
        return false;
      }
      case 'FROZENSET':
        this.push(Object.freeze(this.popMark()));
        return false;
      case 'GLOBAL': {
        const module = this.line();
        const name = this.line();
        this.push(new PyClassRef(module, name));
        return false;
      }
      case 'STACK_GLOBAL': {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') this.fail(`STACK_GLOBAL at byte ${at} needs two strings`);
        this.push(new PyClassRef(module, name));
        return false;
      }
      case 'REDUCE': {
        const args = this.pop();
        const callable = this.pop();
        this.push(this.call(callable, args, at));
        return false;
      }
      case 'NEWOBJ': {
        const args = this.pop();
        const cls = this.pop();
        this.push(this.newObject(cls, args, at));
        return false;
      }
      case 'NEWOBJ_EX': {
        this.pop(); // kwargs: kept out of the inert object, as __new__ would consume them
        const args = this.pop();
        const cls = this.pop();
        this.push(this.newObject(cls, args, at));
        return false;
      }
      case 'BUILD': {
        const state = this.pop();
        this.build(this.top(), state, at);
        return false;
      }
      case 'BINPERSID': {
        const pid = this.pop();
        if (!this.options.persistentLoad) this.fail(`pickle refers to external data (BINPERSID at byte ${at}) but none is available`);
        this.push(this.options.persistentLoad(pid));
        return false;
      }
      default:
        return this.fail(`pickle opcode ${this.opcodeName} at byte ${at} is not supported (attrib reads only what torch.save writes)`);
    }
  }

  private call(callable: PyValue, args: PyValue, at: number): PyValue {
    if (!(callable instanceof PyClassRef)) this.fail(`REDUCE at byte ${at} applies a ${describePyValue(callable)}, not a named function`);
    if (!Array.isArray(args)) this.fail(`REDUCE at byte ${at} has ${describePyValue(args)} arguments, expected a tuple`);
    const fn = this.options.callables[callable.qualifiedName];
    if (!fn) {
      this.fail(`pickle calls ${callable.qualifiedName} (REDUCE at byte ${at}), which attrib refuses to run; only tensors, state dicts and plain objects are read`);
    }
    return fn(args);
  }

  private newObject(cls: PyValue, args: PyValue, at: number): PyValue {
    if (!(cls instanceof PyClassRef)) this.fail(`${this.opcodeName} at byte ${at} instantiates a ${describePyValue(cls)}, not a class`);
    if (!Array.isArray(args)) this.fail(`${this.opcodeName} at byte ${at} has ${describePyValue(args)} arguments, expected a tuple`);
    if (cls.qualifiedName === 'collections.OrderedDict' || cls.qualifiedName === 'builtins.dict') return new Map();
    return new PyObject(cls.qualifiedName, args);
  }

  private build(target: StackItem, state: PyValue, at: number): void {
    if (target instanceof PyObject) {
      target.state = state;
      return;
    }
    // An OrderedDict's instance attributes (a state_dict's `_metadata`: module versions) carry
    // nothing attrib uses.
    if (target instanceof Map) return;
    // Parameters rebuilt with state (torch >= 1.12) get their __dict__ this way; nothing needed.
    if (target instanceof TorchTensor) return;
    this.fail(`BUILD at byte ${at} sets the state of a ${describePyValue(target as PyValue)}, which has none`);
  }

  private setItems(dict: PyDict, items: readonly PyValue[]): void {
    if (items.length % 2 !== 0) this.fail(`${this.opcodeName} has an odd number of items`);
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (key !== null && typeof key === 'object') this.fail(`dict key of type ${describePyValue(key)} is not supported`);
      dict.set(key as PyKey, items[i + 1]!);
    }
  }

  private dict(target: StackItem): PyDict {
    if (!(target instanceof Map)) this.fail(`${this.opcodeName} on a ${describePyValue(target as PyValue)}, expected a dict`);
    return target;
  }

  private list(target: StackItem): PyValue[] {
    if (!Array.isArray(target) || Object.isFrozen(target)) this.fail(`${this.opcodeName} on a ${describePyValue(target as PyValue)}, expected a list`);
    return target as PyValue[];
  }

  private memoGet(index: number): PyValue {
    if (!this.memo.has(index)) this.fail(`pickle reads memo entry ${index}, which was never stored`);
    return this.memo.get(index)!;
  }

  private push(value: PyValue): void {
    this.stack.push(value);
  }

  private top(): PyValue {
    const value = this.stack[this.stack.length - 1];
    if (value === undefined || value === MARK) this.fail(`${this.opcodeName} found an empty stack`);
    return value;
  }

  private pop(): PyValue {
    const value = this.stack.pop();
    if (value === undefined || value === MARK) this.fail(`${this.opcodeName} found an empty stack`);
    return value;
  }

  private popMark(): PyValue[] {
    const index = this.marks.pop();
    if (index === undefined) this.fail(`${this.opcodeName} without a MARK`);
    if (this.stack[index] !== MARK) this.fail(`${this.opcodeName} found its MARK consumed by another opcode`);
    const items = this.stack.slice(index + 1) as PyValue[];
    this.stack.length = index;
    return items;
  }

  private advance(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.byteLength) this.fail(`truncated pickle (${this.opcodeName} needs ${n} bytes at byte ${at})`);
    this.pos += n;
    return at;
  }

  private u8(): number {
    return this.bytes[this.advance(1)]!;
  }

  /** A length operand, checked against the bytes left before anything is allocated. */
  private lengthOf(width: 4 | 8): number {
    const at = this.advance(width);
    const n = width === 4 ? this.view.getUint32(at, true) : Number(this.view.getBigUint64(at, true));
    const left = this.bytes.byteLength - this.pos;
    if (n > left) this.fail(`${this.opcodeName} at byte ${at - 1} declares ${n} bytes but only ${left} remain; the file is truncated or damaged`);
    return n;
  }

  private text(bytes: Uint8Array): string {
    try {
      return utf8(bytes);
    } catch {
      return this.fail(`${this.opcodeName} before byte ${this.pos} holds text that is not UTF-8`);
    }
  }

  private take(n: number): Uint8Array {
    const at = this.advance(n);
    return this.bytes.subarray(at, at + n);
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`truncated pickle (${this.opcodeName} at byte ${this.pos} has no newline)`);
    const text = this.text(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** ISO-8859-1 proper (TextDecoder's 'latin1' is windows-1252). */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

/** Python's little-endian two's-complement long encoding; a number when it is exact. */
function longFromBytes(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  // Through hex: linear in the length, where shifting a BigInt byte by byte is quadratic.
  let hexText = '';
  for (let i = bytes.length - 1; i >= 0; i--) hexText += bytes[i]!.toString(16).padStart(2, '0');
  let value = BigInt(`0x${hexText}`);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return Number.isSafeInteger(Number(value)) ? Number(value) : value;
}
