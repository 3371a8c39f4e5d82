import type { NamedTensors } from '../contracts/generator.js';
import type { StateStore, TrainingState } from '../contracts/training-state.js';

/** A {@link StateStore} in memory (tests, or runs that need no resume). */
export class MemoryStateStore implements StateStore {
  private readonly states = new Map<string, TrainingState>();

  async load(unit: string): Promise<TrainingState | undefined> {
    const state = this.states.get(unit);
    if (!state) return undefined;
    return { ...state, tensors: cloneAll(state.tensors) };
  }

  async save(unit: string, state: TrainingState): Promise<void> {
    const previous = this.states.get(unit);
    this.states.set(unit, { ...state, meta: JSON.parse(JSON.stringify(state.meta)) as Record<string, unknown>, tensors: cloneAll(state.tensors) });
    if (previous) for (const tensor of Object.values(previous.tensors)) tensor.dispose();
  }

  /** Units saved so far. */
  units(): string[] {
    return [...this.states.keys()];
  }

  /** Frees every stored tensor. */
  dispose(): void {
    for (const state of this.states.values()) for (const tensor of Object.values(state.tensors)) tensor.dispose();
    this.states.clear();
  }
}

function cloneAll(tensors: NamedTensors): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, tensor] of Object.entries(tensors)) out[name] = tensor.clone();
  return out;
}
