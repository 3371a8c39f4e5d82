/**
 * Float64 reference of the projection of x0 onto { x in [-1, 1]^d : psi.x <= -margin }: bisection
 * on lambda in clip(x0 - lambda psi, -1, 1), written apart from core's exact breakpoint walk.
 */
export function projectedByBisection(x0: number[], psi: number[], margin: number): number[] {
  const at = (lambda: number) => x0.map((x, i) => Math.min(1, Math.max(-1, x - lambda * psi[i]!)));
  const score = (lambda: number) => at(lambda).reduce((s, x, i) => s + x * psi[i]!, 0);
  if (score(0) <= -margin) return x0;
  let lo = 0;
  let hi = 1;
  while (score(hi) > -margin) hi *= 2;
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (score(mid) <= -margin) hi = mid;
    else lo = mid;
  }
  return at(hi);
}
