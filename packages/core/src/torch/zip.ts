import { crc32, inflateRawSync } from 'node:zlib';
import { ReadError } from '../util/read-error.js';
import { limitVariable, readLimits } from '../util/read-limits.js';

/**
 * A minimal zip reader for `torch.save`'s archives: the central directory (with zip64 fields),
 * entries stored or deflated. Entries are read on demand. Every offset and size is checked
 * against the file before it is used, a deflated entry is inflated with its declared size as a
 * cap, and each entry's CRC-32 is checked, so a damaged archive is a one-line {@link ReadError}.
 */
export interface ZipArchive {
  /** Entry names in central-directory order. */
  readonly names: readonly string[];
  has(name: string): boolean;
  /** The entry's declared uncompressed size in bytes (before reading it); throws if absent. */
  sizeOf(name: string): number;
  /** The entry's uncompressed bytes; throws naming the entry if it is absent or damaged. */
  read(name: string): Uint8Array;
}

interface Entry {
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Deflate cannot compress better than about 1032:1; a larger declared ratio is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/** True when the bytes start like a zip archive. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Opens a zip archive held in memory; `source` names the file in errors. */
export function openZip(bytes: Uint8Array, source: string): ZipArchive {
  const fail = (what: string): never => {
    throw new ReadError(source, `damaged zip archive (${what}); expected a torch.save file`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const inside = (at: number, length: number, what: string): void => {
    if (!Number.isSafeInteger(at) || at < 0 || at + length > bytes.length) fail(`${what} at byte ${at} lies outside the file of ${bytes.length} bytes`);
  };
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const value = view.getBigUint64(at, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
  };

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
    inside(record, 56, 'zip64 end record');
    if (u32(record) !== ZIP64_EOCD) fail('zip64 end record missing');
    count = u64(record + 32);
    cdOffset = u64(record + 48);
  }
  // Each central entry takes at least 46 bytes: a larger count cannot be true.
  if (count * 46 > bytes.length) fail(`${count} entries declared in a file of ${bytes.length} bytes`);

  const entries = new Map<string, Entry>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    inside(at, 46, `central directory entry ${i}`);
    if (u32(at) !== CENTRAL) fail(`central directory entry ${i} not found`);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    inside(at + 46, nameLength + extraLength + commentLength, `central directory entry ${i}'s name`);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    } catch {
      return fail(`central directory entry ${i} has a name that is not UTF-8`);
    }
    // Zip64 extended information: only the fields whose 32-bit value is saturated are present.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = u16(extra);
      const length = u16(extra + 2);
      if (extra + 4 + length > extraEnd) fail(`extra field of ${name} overruns its entry`);
      if (id === 0x0001) {
        let field = extra + 4;
        const next = (): number => {
          if (field + 8 > extra + 4 + length) fail(`zip64 field of ${name} is too short`);
          const value = u64(field);
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      extra += 4 + length;
    }
    entries.set(name, { method, crc, compressedSize, size, localOffset });
    at = extraEnd + commentLength;
  }

  const entryOf = (name: string): Entry => entries.get(name) ?? fail(`no entry ${name}`);
  return {
    names: [...entries.keys()],
    has: (name) => entries.has(name),
    sizeOf: (name) => entryOf(name).size,
    read(name) {
      const entry = entryOf(name);
      const local = entry.localOffset;
      inside(local, 30, `local header of ${name}`);
      if (u32(local) !== LOCAL) fail(`local header of ${name} not found`);
      const start = local + 30 + u16(local + 26) + u16(local + 28);
      const end = start + entry.compressedSize;
      if (end > bytes.length) fail(`entry ${name} declares ${entry.compressedSize} bytes, past the end of the file`);
      const data = bytes.subarray(start, end);
      let out: Uint8Array;
      if (entry.method === 0) {
        if (entry.size !== entry.compressedSize) fail(`stored entry ${name} declares ${entry.size} bytes but holds ${entry.compressedSize}`);
        out = data;
      } else if (entry.method === 8) {
        const limit = readLimits().maxZipEntryBytes;
        if (entry.size > limit) {
          throw new ReadError(source, `entry ${name} declares ${entry.size} bytes, expected at most ${limit} (raise it with ${limitVariable('maxZipEntryBytes')})`);
        }
        if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
          fail(`entry ${name} declares ${entry.size} bytes from ${entry.compressedSize} compressed, more than deflate can hold`);
        }
        let inflated: Buffer;
        try {
          // Capped at the declared size: a zip bomb stops there instead of filling memory.
          inflated = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          return fail(code === 'ERR_BUFFER_TOO_LARGE'
            ? `entry ${name} inflates to more than its declared ${entry.size} bytes`
            : `entry ${name} is not valid deflate data`);
        }
        if (inflated.length !== entry.size) fail(`entry ${name} inflates to ${inflated.length} bytes, expected ${entry.size}`);
        out = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
      } else {
        return fail(`entry ${name} uses compression method ${entry.method}; only stored and deflated are read`);
      }
      const actual = crc32(out) >>> 0;
      if (actual !== entry.crc) {
        fail(`entry ${name} has CRC-32 ${hex(actual)}, expected ${hex(entry.crc)}: its bytes were changed`);
      }
      return out;
    },
  };
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}
