/**
 * The least change of an image, in L2 and inside the box [-1, 1]^d, that raises its score
 * phi . x to `target`: the projection of x onto {x' in [-1, 1]^d : phi . x' >= target}.
 *
 * By the optimality conditions of that projection the answer is x' = clip(x + lambda phi, -1, 1)
 * for the smallest lambda >= 0 with phi . x' >= target. The score of clip(x + lambda phi) rises
 * piecewise linearly with lambda (each coordinate moves at rate phi_j until it reaches the bound
 * of phi_j's sign), so lambda is found exactly by walking the breakpoints in order: one monotone
 * search per image, in float64. `x` is first clipped to the box.
 *
 * Returns lambda, the moved image and its squared L2 distance from x (0 when x already scores
 * >= target; `lambda = Infinity` and no image when no point of the box reaches target).
 */
export function leastBoxShift(
  x: ArrayLike<number>,
  phi: ArrayLike<number>,
  target = 0,
): { lambda: number; moved?: Float64Array; squaredDistance: number } {
  const d = x.length;
  if (phi.length !== d) throw new Error(`leastBoxShift: key of length ${phi.length} for an image of ${d} values`);
  const start = Float64Array.from(x, (v) => Math.min(1, Math.max(-1, v)));
  let score = 0;
  for (let j = 0; j < d; j++) score += phi[j]! * start[j]!;
  if (score >= target) return { lambda: 0, moved: start, squaredDistance: 0 };
  // Breakpoint of coordinate j: the lambda where x_j + lambda phi_j reaches sign(phi_j).
  const breaks: { at: number; weight: number }[] = [];
  let slope = 0;
  for (let j = 0; j < d; j++) {
    const p = phi[j]!;
    if (p === 0) continue;
    const at = ((p > 0 ? 1 : -1) - start[j]!) / p;
    if (at <= 0) continue; // already at the bound it moves towards
    breaks.push({ at, weight: p * p });
    slope += p * p;
  }
  breaks.sort((a, b) => a.at - b.at);
  let lambda = 0;
  let found = Number.POSITIVE_INFINITY;
  for (const { at, weight } of breaks) {
    const reached = score + slope * (at - lambda);
    if (reached >= target) {
      found = lambda + (target - score) / slope;
      break;
    }
    score = reached;
    lambda = at;
    slope -= weight;
  }
  if (!Number.isFinite(found)) return { lambda: Number.POSITIVE_INFINITY, squaredDistance: Number.POSITIVE_INFINITY };
  const moved = new Float64Array(d);
  let squaredDistance = 0;
  for (let j = 0; j < d; j++) {
    moved[j] = Math.min(1, Math.max(-1, start[j]! + found * phi[j]!));
    squaredDistance += (moved[j]! - start[j]!) ** 2;
  }
  return { lambda: found, moved, squaredDistance };
}
