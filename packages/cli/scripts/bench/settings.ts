/** Prefix of the line on which ours.ts prints its result. */
export const RESULT_MARKER = 'BENCH-RESULT ';

/** The work each benchmark step does, shared by our runner (ours.ts) and, through index.ts, the PyTorch script. */
export const BENCH_SETTINGS = {
  /** Batch of the keyed-generator fine-tuning steps (the release's DCGAN-MNIST batch). */
  generatorBatch: 16,
  /** Images of the random 8-bit data set standing in for data other than MNIST. */
  randomImages: 1000,
  /** MNIST digits of the `mnist` package: an epoch is a pass over them. */
  mnistImages: 10000,
  steps: {
    'dcgan32-generator-step': { description: 'DCGAN-32 (1 channel) keyed-generator step, batch 16' },
    'dcgan64-generator-step': { description: 'DCGAN-64 (3 channels) keyed-generator step, batch 16' },
    'key-step': { description: 'key-training step, batch 128, one earlier key', batchSize: 128 },
    evaluate: {
      description: 'distinguishability + attributability, 5 keyed generators, 1,000 samples each',
      generators: 5,
      samples: 1000,
      batchSize: 100,
    },
    'evaluate-2-threads': {
      description: 'the same evaluation with each metric in its own worker thread, as `attrib evaluate` runs it (timed once the threads have built their models)',
      torchStep: 'evaluate',
    },
    'evaluate-cold': {
      description: 'the same two-thread evaluation timed as a whole process, from its start to its result (interpreter, imports, threads, models included), against a PyTorch process doing one evaluation the same way',
      torchStep: 'evaluate',
      oursStep: 'evaluate-2-threads',
    },
    'generator-epoch': { description: 'one epoch of a DCGAN-32 keyed generator (625 steps of 16, 2,000-sample check)' },
  },
} as const;

export type StepName = keyof typeof BENCH_SETTINGS.steps;
