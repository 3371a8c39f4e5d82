import { join } from 'node:path';
import type { OptionsInput } from '../contracts/stage-options.js';
import type { GeneratorStageOptions, KeyStageOptions } from '../contracts/stage-options.js';
import { addKeys } from '../engine/runs/add-keys.js';
import type { RunHooks, RunServices } from '../engine/runs/services.js';
import { trainGenerators } from '../engine/runs/train-generators.js';
import { RunFolder } from '../io/run-folder.js';
import type { StudyAngle, StudyBase, StudyTraining } from './config.js';
import { forkRun } from './fork-run.js';

/** The folder, under the study folder, of the key run of `base` with keys at `angle`. */
export function keyRunDir(studyDir: string, base: StudyBase, angle: Exclude<StudyAngle, 'base'>): string {
  return join(studyDir, 'keys', `${base.label}-${angle}`);
}

/**
 * The run whose keys are at `angle`: the base's first key and generator, then `count - 1` keys
 * trained with the angle term (`orthogonal`, or `cosine` towards the configured target) and a
 * keyed generator for each, with the base's recorded key and generator options under the
 * study's, in `workers` threads (default as trainGenerators'). Every stage is resumable: an
 * interrupted key run continues where it stopped.
 */
export async function prepareKeyRun(
  services: RunServices, studyDir: string, base: StudyBase, angle: Exclude<StudyAngle, 'base'>, count: number, training: StudyTraining, hooks: RunHooks,
  workers?: number,
): Promise<string> {
  const dir = keyRunDir(studyDir, base, angle);
  await forkRun(base.dir, dir, ['key-1']);
  const recorded = (await RunFolder.open(base.dir)).manifest.config;
  const keyOptions = { ...(recorded.keys as object | undefined), ...training.keys, angleTerm: angle } as OptionsInput<KeyStageOptions>;
  const generatorOptions = { ...(recorded.generators as object | undefined), ...training.generators } as OptionsInput<GeneratorStageOptions>;
  let manifest = (await RunFolder.open(dir)).manifest;
  if (manifest.pending?.stage === 'keys') await addKeys(services, { dir, resume: true }, hooks);
  manifest = (await RunFolder.open(dir)).manifest;
  if (manifest.keys.length < count) await addKeys(services, { dir, count: count - manifest.keys.length, options: keyOptions }, hooks);
  await trainGenerators(services, { dir, options: generatorOptions, resume: true, ...(workers !== undefined ? { workers } : {}) }, hooks);
  return dir;
}
