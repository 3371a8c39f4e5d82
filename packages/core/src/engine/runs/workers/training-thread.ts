/**
 * Entry of a worker thread of a training job (see training-threads.ts): selects the parent's backend,
 * loads the parent's plugins, opens the run and trains the units it is handed, one at a time:
 * keyed generators (stage "generators") or robust ones (stage "robust", each post-process built
 * here from the plugins by name and parameters). It writes only its units' files; the parent
 * records them in the manifest.
 */
import { workerData } from 'node:worker_threads';
import type { PostProcess } from '../../../contracts/post-process.js';
import { unitProgress } from '../../../io/run-folder.js';
import type { PluginHost } from '../../../plugins/host.js';
import type { StageContext } from '../../context.js';
import type { GeneratorStageOptions, OptionsInput, RobustStageOptions } from '../../../contracts/stage-options.js';
import { trainAndWriteGenerator } from '../generator-unit.js';
import { trainAndWriteRobust } from '../robust-unit.js';
import type { RunSession } from '../session.js';
import type { UnitNote, UnitOutcome, UnitWorkerData, WorkUnit } from './training-threads.js';
import { serveTasks } from './thread-pool.js';
import { openWorkerSession } from './thread-session.js';

const data = workerData as UnitWorkerData;
const { job } = data;
/** Sends a note on the unit in hand (set for each unit). */
let note: (note: UnitNote) => void = () => undefined;

interface Opened {
  readonly host: PluginHost;
  readonly session: RunSession;
  readonly ctx: StageContext;
}

async function open(): Promise<Opened> {
  const { host, session } = await openWorkerSession(data);
  const { folder } = session;
  const ctx: StageContext = {
    ...session.stageContext(job.stage, { onEvent: (event) => note({ type: 'event', event }) }),
    store: {
      load: (unit) => folder.readState(unit),
      save: async (unit, state) => {
        await folder.writeState(unit, state);
        note({ type: 'progress', unit, progress: unitProgress(job.stage, state) });
      },
    },
  };
  return { host, session, ctx };
}

/** The job's post-processes by label, each made once in this thread. */
const postProcesses = new Map<string, PostProcess>();

function postProcessOf(host: PluginHost, label: string): PostProcess {
  let postProcess = postProcesses.get(label);
  if (!postProcess) {
    const request = job.postProcesses?.find((p) => p.label === label);
    if (!request) throw new Error(`the robust job has no post-process labelled ${label}`);
    postProcess = host.postProcess(request.name).create(request.params);
    postProcesses.set(label, postProcess);
  }
  return postProcess;
}

async function train({ host, session, ctx }: Opened, unit: WorkUnit): Promise<UnitOutcome> {
  if (job.stage === 'generators') return trainAndWriteGenerator(session, ctx, unit.id, job.options as OptionsInput<GeneratorStageOptions>);
  if (job.stage === 'robust' && unit.label !== undefined) {
    return trainAndWriteRobust(session, ctx, postProcessOf(host, unit.label), unit.label, unit.id, job.options as OptionsInput<RobustStageOptions>);
  }
  throw new Error(`a worker thread cannot train a unit of a ${job.stage} job`);
}

let opened: Promise<Opened> | undefined;

serveTasks<WorkUnit, UnitNote, UnitOutcome>(async (unit, send) => {
  note = send;
  opened ??= open();
  return train(await opened, unit);
});
