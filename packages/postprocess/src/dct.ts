/** Side of a JPEG block. */
export const BLOCK = 8;

/**
 * The 64 (row, column) frequency positions of an 8x8 block in JPEG zig-zag order: (0,0), (0,1),
 * (1,0), (2,0), (1,1), (0,2), ... walking the anti-diagonals, alternately up and down.
 */
export function zigzagOrder(): Array<[number, number]> {
  const order: Array<[number, number]> = [];
  for (let diagonal = 0; diagonal < 2 * BLOCK - 1; diagonal++) {
    const cells: Array<[number, number]> = [];
    for (let row = 0; row <= diagonal; row++) {
      const col = diagonal - row;
      if (row < BLOCK && col < BLOCK) cells.push([row, col]);
    }
    // Odd diagonals run down-left (row increasing), even ones up-right (row decreasing).
    if (diagonal % 2 === 0) cells.reverse();
    order.push(...cells);
  }
  return order;
}

/** 1 for the first `keep` coefficients in zig-zag order, 0 for the rest; row-major 8x8. */
export function zigzagMask(keep: number): Float32Array {
  if (!Number.isInteger(keep) || keep < 0 || keep > BLOCK * BLOCK) {
    throw new Error(`zigzagMask: keep must be an integer in [0, 64], got ${keep}`);
  }
  const mask = new Float32Array(BLOCK * BLOCK);
  for (const [row, col] of zigzagOrder().slice(0, keep)) mask[row * BLOCK + col] = 1;
  return mask;
}

/**
 * The orthonormal 2-D DCT-II of an 8x8 block as a 64x64 matrix (row-major): row u * 8 + v holds
 * the basis image of vertical frequency u and horizontal frequency v, so for a block flattened
 * row-major, `coefficients = basis . block` and `block = basis^T . coefficients`.
 */
export function dctBasis(): Float32Array {
  const oneD = (freq: number, pos: number): number =>
    (freq === 0 ? Math.sqrt(1 / BLOCK) : Math.sqrt(2 / BLOCK)) * Math.cos(((2 * pos + 1) * freq * Math.PI) / (2 * BLOCK));
  const n = BLOCK * BLOCK;
  const basis = new Float32Array(n * n);
  for (let u = 0; u < BLOCK; u++) {
    for (let v = 0; v < BLOCK; v++) {
      for (let y = 0; y < BLOCK; y++) {
        for (let x = 0; x < BLOCK; x++) {
          basis[(u * BLOCK + v) * n + y * BLOCK + x] = oneD(u, y) * oneD(v, x);
        }
      }
    }
  }
  return basis;
}

/**
 * RGB to YUV (analogue BT.601, the reference's coefficients), row-major 3x3: yuv = M . rgb.
 * The inverse below uses the reference's rounded coefficients too, so the round trip is exact
 * only to about 1e-4, as in the reference.
 */
export const RGB_TO_YUV: readonly number[] = [
  0.299, 0.587, 0.114,
  -0.14713, -0.28886, 0.436,
  0.615, -0.51499, -0.10001,
];

/** YUV to RGB, row-major 3x3: rgb = M . yuv. */
export const YUV_TO_RGB: readonly number[] = [
  1, 0, 1.13983,
  1, -0.39465, -0.5806,
  1, 2.03211, 0,
];
