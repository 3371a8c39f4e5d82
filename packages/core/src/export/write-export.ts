import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Generator } from '../contracts/generator.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import type { PluginHost } from '../plugins/host.js';
import { createRng } from '../util/rng.js';
import { EXPORT_FILES, EXPORT_FORMAT, type ExportInfo } from './export-info.js';

/** Inputs the exported model is run on, against the generator, before anything is written. */
const CHECK_INPUTS = 3;
/** Largest |model - generator| accepted on them (images are in [-1, 1]; float32 reorderings stay far below). */
const CHECK_TOLERANCE = 1e-4;

/** What {@link exportGenerator} wrote. */
export interface ExportResult {
  readonly dir: string;
  readonly files: { readonly model: string; readonly weights: string; readonly info: string };
  readonly info: ExportInfo;
}

/** The names of the host's adapters that can export, for error messages. */
export function exportableAdapters(host: PluginHost): string[] {
  return host.all('adapter').filter((a) => a.exportModel !== undefined).map((a) => a.name);
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(', ')}]`;
}

/** Checks the model's one input and one output against the generator's, and its values on a few inputs. */
function checkAgainstGenerator(model: LayersModel, generator: Generator, adapter: string): { inputShape: (number | null)[]; outputShape: (number | null)[]; maxAbsDiff: number } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`${adapter}: exported model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; expected one of each`);
  }
  const inputShape = model.inputs[0]!.shape;
  const outputShape = model.outputs[0]!.shape;
  const { height, width, channels } = generator.imageShape;
  const expectedOutput = [null, height, width, channels];
  if (shapeText(outputShape) !== shapeText(expectedOutput)) {
    throw new Error(`${adapter}: exported model outputs ${shapeText(outputShape)}; expected the generator's images ${shapeText(expectedOutput)}`);
  }
  const previousMode = generator.mode;
  generator.setMode('eval');
  try {
    const maxAbsDiff = tf.tidy(() => {
      const inputs = generator.sampleInputs(CHECK_INPUTS, createRng(0).fork('export-check'));
      const expectedInput = [null, ...inputs.shape.slice(1)];
      if (shapeText(inputShape) !== shapeText(expectedInput)) {
        throw new Error(`${adapter}: exported model takes ${shapeText(inputShape)}; expected the generator's inputs ${shapeText(expectedInput)}`);
      }
      const ours = generator.generate(inputs);
      const theirs = model.predict(inputs) as tf.Tensor;
      return tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!;
    });
    if (!(maxAbsDiff <= CHECK_TOLERANCE)) {
      throw new Error(`${adapter}: exported model differs from the generator in eval mode by ${maxAbsDiff} (more than ${CHECK_TOLERANCE})`);
    }
    return { inputShape, outputShape, maxAbsDiff };
  } finally {
    generator.setMode(previousMode);
  }
}

/**
 * Writes `generator` as a standalone TensorFlow.js layers model in `dir`, through its adapter's
 * {@link GeneratorAdapter.exportModel}: `weights.bin`, `attrib-model.json` ({@link ExportInfo})
 * and, last, `model.json` (the standard layers-model file: topology and weights manifest), so
 * `tf.loadLayersModel('.../model.json')` of plain @tensorflow/tfjs (or tfjs-layers) loads it.
 * The model is first loaded back in memory and checked against `generator.generate` in eval mode;
 * nothing is written unless it matches. Refuses a folder that already holds a model.json.
 * `source` records where the generator came from (run and key, or checkpoint file).
 */
export async function exportGenerator(
  host: PluginHost, generator: Generator, dir: string, source: Readonly<Record<string, unknown>> = {},
): Promise<ExportResult> {
  const adapter = host.adapter(generator.adapter);
  if (!adapter.exportModel) {
    const able = exportableAdapters(host);
    throw new Error(`adapter ${adapter.name} cannot export a standalone model; adapters that can: ${able.length > 0 ? able.join(', ') : 'none are loaded'}`);
  }
  const files = { model: join(dir, EXPORT_FILES.model), weights: join(dir, EXPORT_FILES.weights), info: join(dir, EXPORT_FILES.info) };
  if (await stat(files.model).then(() => true, () => false)) {
    throw new Error(`${files.model} already exists; export into a new or empty folder`);
  }
  const artifacts = await adapter.exportModel(generator);
  if (!artifacts.modelTopology || !artifacts.weightSpecs || artifacts.weightData === undefined) {
    throw new Error(`${adapter.name}: exportModel gave no modelTopology, weightSpecs or weightData`);
  }
  let model: LayersModel;
  try {
    const { loadLayersModel } = await import('@tensorflow/tfjs-layers');
    model = await loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new Error(`${adapter.name}: exported model does not load in tfjs-layers (${(error as Error).message})`);
  }
  try {
    const { inputShape, outputShape, maxAbsDiff } = checkAgainstGenerator(model, generator, adapter.name);
    const latentSize = inputShape[1];
    const input: ExportInfo['input'] = generator.inputKind === 'latent' && inputShape.length === 2 && typeof latentSize === 'number'
      ? { kind: 'latent', shape: inputShape, latentSize, distribution: 'N(0, I)', dtype: 'float32' }
      : { kind: 'image', shape: inputShape, layout: 'NHWC', range: [-1, 1], dtype: 'float32' };
    const info: ExportInfo = {
      format: EXPORT_FORMAT,
      adapter: adapter.name,
      config: generator.config,
      input,
      output: {
        shape: outputShape, imageShape: generator.imageShape, layout: 'NHWC', range: [-1, 1], dtype: 'float32',
        toByte: 'floor(clamp((clamp(x, -1, 1) + 1) / 2 * 255 + 0.5, 0, 255))',
      },
      source,
      checkedMaxAbsDiff: maxAbsDiff,
    };
    await writeFileAtomic(files.weights, new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)));
    await writeJsonAtomic(files.info, info);
    await writeJsonAtomic(files.model, {
      format: 'layers-model',
      generatedBy: `attrib export (${adapter.name})`,
      convertedBy: null,
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: [EXPORT_FILES.weights], weights: artifacts.weightSpecs }],
    });
    return { dir, files, info };
  } finally {
    model.dispose();
  }
}
