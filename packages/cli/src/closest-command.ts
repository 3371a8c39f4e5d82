/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A suggestion for a mistyped command: the command id, and how much of what was typed it replaces. */
export interface ClosestCommand {
  /** The command id (`keys:similarity`). */
  readonly id: string;
  /** The leading part of the typed id that the suggestion replaces (`keys:similarty`); the rest were arguments. */
  readonly typed: string;
}

/**
 * The command closest to a mistyped one. oclif cannot tell a mistyped command from its arguments
 * (`attrib keys similarty runs/a` arrives as `keys:similarty:runs/a`), so each candidate of k
 * parts is compared, by edit distance, with the first k parts of what was typed; the first of the
 * closest wins. `undefined` when there are no candidates.
 */
export function closestCommand(typedId: string, ids: readonly string[]): ClosestCommand | undefined {
  const parts = typedId.split(':');
  let best: (ClosestCommand & { distance: number }) | undefined;
  for (const id of ids) {
    const typed = parts.slice(0, id.split(':').length).join(':');
    const distance = editDistance(typed, id);
    if (best === undefined || distance < best.distance) best = { id, typed, distance };
  }
  return best && { id: best.id, typed: best.typed };
}
