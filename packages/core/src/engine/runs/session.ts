import { isAbsolute, join } from 'node:path';
import type { AdapterContext } from '../../contracts/adapter.js';
import type { Generator } from '../../contracts/generator.js';
import { formatShape, sameShape } from '../../contracts/image.js';
import type { ImageSource } from '../../contracts/image-source.js';
import type { LinearKey } from '../../keys/linear-key.js';
import { RunFolder, type PendingJob } from '../../io/run-folder.js';
import { createRng } from '../../util/rng.js';
import type { StageContext } from '../context.js';
import { loadRoot, openData } from './root.js';
import { verifyRootFiles } from './verify-root.js';
import type { RunHooks, RunServices } from './services.js';

/** An opened run: its folder, root, real data and loaders that check what they load. */
export interface RunSession {
  readonly folder: RunFolder;
  readonly root: Generator;
  readonly data: ImageSource;
  readonly adapterContext: AdapterContext;
  /** Keys by id, each checked against the root's image shape. The caller disposes them. */
  loadKeys(ids: readonly string[]): Promise<LinearKey[]>;
  /** A keyed generator (`generator` or `robust-<pp>`), checked against the root. The caller disposes it. */
  loadGenerator(id: string, variant?: string): Promise<Generator>;
  /** The stage context of this run: its seed, its state files, the hooks' events. */
  stageContext(stage: string, hooks: RunHooks): StageContext;
  dispose(): void;
}

/** The root checkpoint of a run, as an absolute path. */
export function rootCheckpoint(folder: RunFolder): string {
  const { checkpoint } = folder.manifest.root;
  return isAbsolute(checkpoint) ? checkpoint : join(folder.dir, checkpoint);
}

/**
 * Opens the run in `dir`: reads the manifest, checks that the root file is the one the run was
 * made with, loads the root (frozen, `eval`) and opens the data. Errors are one line, naming the
 * file or setting.
 */
export async function openRunSession(services: RunServices, dir: string): Promise<RunSession> {
  const folder = await RunFolder.open(dir);
  const manifest = folder.manifest;
  await verifyRootFiles(folder);
  const { generator: root, context } = await loadRoot(services, manifest.adapter, rootCheckpoint(folder), manifest.inputs);
  try {
    if (!sameShape(root.imageShape, manifest.imageShape)) {
      throw new Error(`root of run ${dir} makes ${formatShape(root.imageShape)} images; the manifest says ${formatShape(manifest.imageShape)}`);
    }
    root.freeze();
    root.setMode('eval');
    const data = await openData(services, manifest.data, root.imageShape);
    return {
      folder, root, data, adapterContext: context,
      async loadKeys(ids) {
        const keys: LinearKey[] = [];
        try {
          for (const id of ids) {
            const key = await folder.readKey(id);
            keys.push(key);
            if (!sameShape(key.shape, root.imageShape)) {
              throw new Error(`${folder.keyFile(id)}: key of ${formatShape(key.shape)} images; the run's generators make ${formatShape(root.imageShape)}`);
            }
          }
        } catch (error) {
          keys.forEach((k) => k.dispose());
          throw error;
        }
        return keys;
      },
      async loadGenerator(id, variant = 'generator') {
        const generator = await folder.readGenerator(id, (name) => services.adapter(name), variant, context);
        if (!sameShape(generator.imageShape, root.imageShape) || generator.adapter !== root.adapter) {
          const what = `${generator.adapter} generator of ${formatShape(generator.imageShape)} images`;
          generator.dispose();
          throw new Error(`${folder.generatorFile(id, variant)}: a ${what}; the run's root is a ${root.adapter} generator of ${formatShape(root.imageShape)} images`);
        }
        generator.setMode('eval');
        return generator;
      },
      stageContext(stage, hooks) {
        return { root, data, rng: createRng(manifest.seed), store: folder.states(stage), onEvent: hooks.onEvent };
      },
      dispose() {
        root.dispose();
      },
    };
  } catch (error) {
    root.dispose();
    throw error;
  }
}

/** The command that resumes a pending job of `stage`. */
export function resumeCommand(stage: PendingJob['stage'], dir: string): string {
  const command = { first: 'keys init', keys: 'keys add', generators: 'generators train', robust: 'robust train' }[stage];
  return `attrib ${command} ${dir} --resume`;
}

/**
 * The job to run: the pending one when resuming (it must be of `stage`), else a new one from
 * `plan` (recorded in the manifest before any training). A pending job of any stage blocks a
 * new job: the error says how to finish it.
 */
export async function startJob(folder: RunFolder, stage: PendingJob['stage'], resume: boolean, plan: () => PendingJob, log?: (line: string) => void): Promise<PendingJob> {
  const pending = folder.manifest.pending;
  if (pending) {
    if (!resume || pending.stage !== stage) {
      throw new Error(`run ${folder.dir} has an unfinished ${pending.stage} job (${pending.keys.join(', ')}); finish it with \`${resumeCommand(pending.stage, folder.dir)}\``);
    }
    log?.(`resuming the ${stage} job started ${pending.startedAt} (${pending.keys.join(', ')})`);
    return pending;
  }
  const job = plan();
  await folder.update((m) => {
    // Another command may have started a job on this run since it was opened.
    if (m.pending) throw new Error(`run ${folder.dir} has an unfinished ${m.pending.stage} job (${m.pending.keys.join(', ')}) that another command started; let it finish, or finish it with \`${resumeCommand(m.pending.stage, folder.dir)}\``);
    m.pending = job;
    m.config[stage] = job.options;
  });
  return job;
}

/**
 * For a user's `--resume`: true when the run has no pending job of `stage`, after logging that
 * there is nothing to resume (the command then returns without training). A pending job of
 * another stage is the same error as {@link startJob}'s. False when not resuming or when there is
 * a job to finish. (The engine's own `resume: true` means "finish a pending job, else start one".)
 */
export function nothingToResume(folder: RunFolder, stage: PendingJob['stage'], resume: boolean | undefined, log?: (line: string) => void): boolean {
  if (!resume) return false;
  const pending = folder.manifest.pending;
  if (pending?.stage === stage) return false;
  if (pending) {
    throw new Error(`run ${folder.dir} has an unfinished ${pending.stage} job (${pending.keys.join(', ')}), not a ${stage} job; finish it with \`${resumeCommand(pending.stage, folder.dir)}\``);
  }
  log?.(`run ${folder.dir} has no unfinished ${stage} job; nothing to resume`);
  return true;
}

/** Marks the pending job finished. */
export async function finishJob(folder: RunFolder): Promise<void> {
  await folder.update((m) => {
    delete m.pending;
  });
}

/** The fixed inputs of the run's sample grids: 64 draws from the run's `samples` stream. */
export function sampleInputsOf(session: RunSession): import('@tensorflow/tfjs-core').Tensor {
  return session.root.sampleInputs(64, createRng(session.folder.manifest.seed).fork('samples'));
}
