import { constants, crc32, deflateRawSync } from 'node:zlib';

/** One entry of {@link buildZip}: stored or deflated, with optional lies in its headers. */
export interface ZipEntrySpec {
  readonly name: string;
  readonly data: Uint8Array;
  readonly deflate?: boolean;
  /** Compressed bytes to write instead of deflating `data` (a crafted stream). */
  readonly compressed?: Uint8Array;
  /** Uncompressed size to declare instead of `data.length`. */
  readonly declaredSize?: number;
  /** CRC-32 to declare instead of the real one. */
  readonly crc?: number;
}

/** A zip archive as torch.save writes one (local headers, central directory, end record; no zip64). */
export function buildZip(entries: readonly ZipEntrySpec[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const body = entry.compressed ?? (entry.deflate ? deflateRawSync(entry.data) : entry.data);
    const method = entry.compressed || entry.deflate ? 8 : 0;
    const crc = entry.crc ?? crc32(entry.data) >>> 0;
    const size = entry.declaredSize ?? entry.data.length;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const record = new Uint8Array(46 + name.length);
    const cv = new DataView(record.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    record.set(name, 46);
    chunks.push(local, body);
    central.push(record);
    offset += local.length + body.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return Buffer.concat([...chunks, ...central, end]);
}

/** A `.pth` zip: `archive/data.pkl`, `archive/byteorder`, and the storages `archive/data/<key>`. */
export function torchZip(pickle: Uint8Array, storages: Readonly<Record<string, Uint8Array>>, override: Partial<Record<string, Partial<ZipEntrySpec>>> = {}): Uint8Array {
  const entries: ZipEntrySpec[] = [
    { name: 'archive/data.pkl', data: pickle },
    { name: 'archive/byteorder', data: new TextEncoder().encode('little') },
    ...Object.entries(storages).map(([key, data]) => ({ name: `archive/data/${key}`, data })),
  ];
  return buildZip(entries.map((e) => ({ ...e, ...override[e.name] })));
}

/**
 * A raw deflate stream that inflates to `megabytes` MiB of zeros while taking about 1 KiB per MiB:
 * the same fully flushed block repeated, then an empty final block (a zip bomb, built cheaply).
 */
export function zerosBomb(megabytes: number): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: constants.Z_FULL_FLUSH });
  const parts: Uint8Array[] = [];
  for (let i = 0; i < megabytes; i++) parts.push(block);
  parts.push(Uint8Array.of(0x03, 0x00));
  return Buffer.concat(parts);
}
