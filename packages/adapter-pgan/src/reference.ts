import {
  describePyValue, objectFields, readTorchFile, stateDictTensors, stripDataParallelPrefix, generatorFromStateDict, TorchTensor,
  type PyDict, type PyValue,
} from '@attrib/core';
import { PGAN_DEFAULTS, resolvePganConfig, type PganConfig } from './config.js';
import { PganGenerator } from './generator.js';

/** Which generator of a zoo checkpoint to load: the trained `netG` (the default, as the seed) or the averaged `avgG`. */
export type PganWeights = 'netG' | 'avgG';

/** Options of {@link importPganReference}. */
export interface PganImportOptions {
  readonly weights?: PganWeights;
}

/** Validates `importReference` options from the command line or a config file. */
export function parsePganImportOptions(options: Readonly<Record<string, unknown>> = {}): PganImportOptions {
  for (const name of Object.keys(options)) {
    if (name !== 'weights') throw new Error(`pgan: unknown import option '${name}' (known: weights)`);
  }
  const weights = options.weights ?? 'netG';
  if (weights !== 'netG' && weights !== 'avgG') throw new Error(`pgan: import option 'weights' must be netG or avgG, got ${JSON.stringify(weights)}`);
  return { weights };
}

/**
 * Loads a checkpoint of facebookresearch/pytorch_GAN_zoo's Progressive GAN into a
 * {@link PganGenerator}, in eval mode. Accepts the layout `ProgressiveGAN.save` writes
 * (`{config: BaseConfig, netG, netD, avgG}`, the released `celebaCropped_s5_i83000-2b0acc76.pth`
 * among them) and a bare generator state dict (the architecture is then read off the tensor
 * shapes). Parameter names without `.module.` (older zoo checkpoints) are accepted, as the zoo's
 * own `loadStateDictCompatible` does, and `nn.DataParallel`'s `module.` prefix is dropped. Errors are one line naming the file and the tensor.
 */
export async function importPganReference(file: string, options: PganImportOptions = {}): Promise<PganGenerator> {
  const weights = options.weights ?? 'netG';
  const root = await readTorchFile(file);
  let tensors: Map<string, TorchTensor>;
  let config: PganConfig;
  if (root instanceof Map && root.has('netG')) {
    tensors = withModuleNames(stripDataParallelPrefix(stateDictTensors(root, file, weights)));
    config = root.has('config') ? pganConfigFromZoo(objectFields(root.get('config'), file, 'config'), file) : inferPganConfig(tensors, file);
  } else if (root instanceof Map && [...root.values()].every((v) => v instanceof TorchTensor)) {
    if (options.weights === 'avgG') throw new Error(`${file}: a bare state dict, not a zoo checkpoint with an avgG entry`);
    tensors = withModuleNames(stripDataParallelPrefix(stateDictTensors(root, file)));
    config = inferPganConfig(tensors, file);
  } else {
    throw new Error(`${file}: holds a ${describePyValue(root)}, expected a GAN zoo checkpoint (a dict with netG and config) or a generator state dict`);
  }
  return generatorFromStateDict(file, tensors, () => new PganGenerator(config));
}

/** `formatLayer.weight` to `formatLayer.module.weight`, as the zoo's loadStateDictCompatible renames. */
function withModuleNames(tensors: Map<string, TorchTensor>): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  for (const [name, tensor] of tensors) {
    out.set(name.includes('.module.') ? name : name.replace(/\.(weight|bias)$/, '.module.$1'), tensor);
  }
  return out;
}

/**
 * Our config from the zoo's pickled `BaseConfig` fields (`latentVectorDim`, `depthScale0`,
 * `depthOtherScales`, `dimOutput`, `leakyReluLeak`, `perChannelNormalization`, `equalizedlR`,
 * `alpha`, `lossCriterion`). Missing fields take the zoo's defaults.
 */
export function pganConfigFromZoo(fields: PyDict, source: string): PganConfig {
  const field = (name: string, fallback: PyValue): PyValue => (fields.has(name) ? fields.get(name)! : fallback);
  const categories = field('categoryVectorDim', 0);
  if (typeof categories === 'number' && categories > 0) {
    throw new Error(`${source}: an AC-GAN checkpoint (config categoryVectorDim ${categories}); only unconditional generators are supported`);
  }
  const depths = field('depthOtherScales', []);
  const loss = field('lossCriterion', 'WGANGP');
  const otherScales = Array.isArray(depths) ? [...(depths as readonly PyValue[])] : depths;
  const config: Record<string, unknown> = {
    dimLatent: field('latentVectorDim', field('noiseVectorDim', PGAN_DEFAULTS.dimLatent)),
    depthScale0: field('depthScale0', PGAN_DEFAULTS.depthScale0),
    depthOtherScales: otherScales,
    dimOutput: field('dimOutput', 3),
    leakyReluLeak: field('leakyReluLeak', 0.2),
    perChannelNormalization: field('perChannelNormalization', true),
    equalizedlR: field('equalizedlR', true),
    // The zoo only sets the blending factor when the generator has more than one scale.
    alpha: Array.isArray(otherScales) && otherScales.length > 0 ? field('alpha', 0) : 0,
    generationActivation: loss === 'DCGAN' || loss === 'MSE' ? 'tanh' : 'none',
  };
  try {
    return resolvePganConfig(config);
  } catch (error) {
    throw new Error(`${source}: config ${(error as Error).message.replace(/^pgan: setting/, 'field')}`);
  }
}

/** Reads the architecture off a generator state dict's tensor shapes (other settings: the zoo's defaults). */
export function inferPganConfig(tensors: ReadonlyMap<string, TorchTensor>, source: string): PganConfig {
  const shapeOf = (name: string): readonly number[] => {
    const tensor = tensors.get(name);
    if (!tensor) throw new Error(`${source}: no tensor ${name}; not a GAN zoo PGAN generator`);
    return tensor.shape;
  };
  const [, dimLatent] = shapeOf('formatLayer.module.weight');
  const [depthScale0] = shapeOf('groupScale0.0.module.weight');
  const [dimOutput] = shapeOf('toRGBLayers.0.module.weight');
  const depthOtherScales: number[] = [];
  while (tensors.has(`scaleLayers.${depthOtherScales.length}.0.module.weight`)) {
    depthOtherScales.push(shapeOf(`scaleLayers.${depthOtherScales.length}.0.module.weight`)[0]!);
  }
  return resolvePganConfig({ dimLatent, depthScale0, depthOtherScales, dimOutput });
}
