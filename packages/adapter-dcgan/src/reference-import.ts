import {
  describePyValue, readTorchFile, stateDictTensors, stripDataParallelPrefix, generatorFromStateDict, TorchTensor,
  type PyValue,
} from '@attrib/core';
import { resolveDcganConfig, type DcganConfig } from './config.js';
import { DcganGenerator } from './generator.js';

/**
 * Loads a DCGAN generator of the reference release (`weight/generator.pth`: `torch.save` of the
 * generator's state dict, or of the whole module) into a {@link DcganGenerator}, in eval mode.
 * The architecture is read off the tensors: the number of transposed convolutions gives the
 * resolution (convT1..convT3 + convT5: 32; convT1..convT5: 64; convT1..convT6: 128), `convT1`
 * gives nz, the last layer ngf and the channels. `nn.DataParallel`'s `module.` prefix is dropped.
 * `overrides` (a `seed`, say) are merged into the inferred config. Errors name the file and tensor.
 */
export async function importDcganReference(file: string, overrides: Partial<DcganConfig> = {}): Promise<DcganGenerator> {
  const root = await readTorchFile(file);
  const tensors = stripDataParallelPrefix(stateDictTensors(unwrap(root, file), file));
  const inferred = inferDcganConfig(tensors, file);
  return generatorFromStateDict(file, tensors, () => new DcganGenerator(resolveDcganConfig({ ...inferred, ...overrides })));
}

/** A checkpoint dict holding the generator under a conventional key, else the value itself. */
function unwrap(root: PyValue, file: string): PyValue {
  if (root instanceof Map && !root.has('convT1.weight')) {
    for (const key of ['state_dict', 'netG', 'generator', 'G']) if (root.has(key)) return root.get(key)!;
  }
  if (root instanceof Map || (root !== null && typeof root === 'object' && 'className' in root)) return root;
  throw new Error(`${file}: holds a ${describePyValue(root)}, expected a DCGAN generator state dict`);
}

/** The architecture of a reference DCGAN generator, from its state dict's shapes. */
export function inferDcganConfig(tensors: ReadonlyMap<string, TorchTensor>, file: string): Partial<DcganConfig> {
  const shape = (name: string): readonly number[] => {
    const tensor = tensors.get(name);
    if (!tensor) throw new Error(`${file}: no tensor ${name}; not a reference DCGAN generator`);
    if (tensor.shape.length !== 4) throw new Error(`${file}: tensor ${name} has shape [${tensor.shape.join(', ')}]; expected a 4-D ConvTranspose2d weight`);
    return tensor.shape;
  };
  const nz = shape('convT1.weight')[0]!;
  const resolution = tensors.has('convT6.weight') ? 128 : tensors.has('convT4.weight') ? 64 : 32;
  const last = shape(resolution === 128 ? 'convT6.weight' : 'convT5.weight');
  return { resolution, nz, ngf: last[0]!, channels: last[1]! as 1 | 3 };
}
