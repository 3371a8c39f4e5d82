import { inflateRawSync } from 'node:zlib';

/**
 * A minimal zip reader for `torch.save`'s archives: the central directory (with zip64 fields),
 * entries stored or deflated. Entries are read on demand.
 */
export interface ZipArchive {
  /** Entry names in central-directory order. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** The entry's uncompressed bytes; throws naming the entry if it is absent or damaged. */
  read(name: string): Uint8Array;
}

interface Entry {
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True when the bytes start like a zip archive. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Opens a zip archive held in memory; `source` names the file in errors. */
export function openZip(bytes: Uint8Array, source: string): ZipArchive {
  const fail = (what: string): never => {
    throw new Error(`${source}: damaged zip archive (${what})`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => Number(view.getBigUint64(at, true));

  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('no end of central directory record; the file may be truncated');
  let count = u16(eocd + 10);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== ZIP64_LOCATOR) fail('zip64 locator missing');
    const record = u64(locator + 8);
    if (record + 56 > bytes.length || u32(record) !== ZIP64_EOCD) fail('zip64 end record missing');
    count = u64(record + 32);
    cdOffset = u64(record + 48);
  }

  const entries = new Map<string, Entry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || u32(at) !== CENTRAL) fail(`central directory entry ${i} not found`);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // Zip64 extended information: only the fields whose 32-bit value is saturated are present.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = u16(extra);
      const length = u16(extra + 2);
      if (id === 0x0001) {
        let field = extra + 4;
        if (size === 0xffffffff) { size = u64(field); field += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(field); field += 8; }
        if (localOffset === 0xffffffff) { localOffset = u64(field); field += 8; }
      }
      extra += 4 + length;
    }
    entries.set(name, { method, compressedSize, size, localOffset });
    at = extraEnd + commentLength;
  }

  return {
    names: [...entries.keys()],
    has: (name) => entries.has(name),
    read(name) {
      const entry = entries.get(name);
      if (!entry) return fail(`no entry ${name}`);
      const local = entry.localOffset;
      if (local + 30 > bytes.length || u32(local) !== LOCAL) fail(`local header of ${name} not found`);
      const start = local + 30 + u16(local + 26) + u16(local + 28);
      const end = start + entry.compressedSize;
      if (end > bytes.length) fail(`entry ${name} is truncated`);
      const data = bytes.subarray(start, end);
      if (entry.method === 0) return data;
      if (entry.method === 8) {
        const inflated = inflateRawSync(data);
        if (inflated.length !== entry.size) fail(`entry ${name} inflates to ${inflated.length} bytes, expected ${entry.size}`);
        return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
      }
      return fail(`entry ${name} uses compression method ${entry.method}; only stored and deflated are read`);
    },
  };
}
