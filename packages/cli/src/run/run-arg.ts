import { Args } from '@oclif/core';

/** The RUN argument every run command takes. */
export const runArg = Args.string({ name: 'run', description: 'The run folder.', required: true });
