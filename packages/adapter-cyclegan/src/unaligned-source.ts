import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageSource, ImageSourceFactory, ImageSourceOptions } from '@attrib/core';
import { folderImageSource } from '@attrib/core';

/** Splits of the reference's unaligned layout; `A` and `B` are short for `trainA` and `trainB`. */
const SPLITS: Readonly<Record<string, string>> = {
  A: 'trainA', B: 'trainB', trainA: 'trainA', trainB: 'trainB', testA: 'testA', testB: 'testB',
};

/**
 * `unaligned`: one side of an unpaired image-to-image data set laid out as the reference's
 * datasets are (`<path>/trainA`, `trainB`, `testA`, `testB`, each a folder of PNG or JPEG files,
 * e.g. `datasets/cityscapes` for photo to label). Options: `path` (the data root, required),
 * `split` (`A` = `trainA`, default; `B` = `trainB`; or a folder name `trainA`..`testB`), `limit`
 * (first N files). Images are read as core's `folder` source reads them (sorted paths, resized to
 * cover the shape and centre-cropped, values in [-1, 1]).
 *
 * For a CycleGAN run, split A is the generator's input (AdapterContext.inputs) and split B the
 * real data that keys and metrics compare with.
 */
export const unalignedImageSource: ImageSourceFactory = {
  name: 'unaligned',
  description: 'one side (split A or B) of an unpaired trainA/trainB/testA/testB image folder set; needs path',
  async open(options: ImageSourceOptions): Promise<ImageSource> {
    const root = options.path;
    if (typeof root !== 'string' || root === '') throw new Error('unaligned: needs the path of a data root holding trainA and trainB (--data unaligned:DIR)');
    const split = options.split ?? 'A';
    const folderName = typeof split === 'string' ? SPLITS[split] : undefined;
    if (folderName === undefined) {
      throw new Error(`unaligned: split must be one of ${Object.keys(SPLITS).join(', ')}, got ${JSON.stringify(split)}`);
    }
    const folder = join(root, folderName);
    let isFolder = false;
    try {
      isFolder = (await stat(folder)).isDirectory();
    } catch {
      isFolder = false;
    }
    if (!isFolder) throw new Error(`${root}: has no folder ${folderName} (an unaligned data set holds trainA/, trainB/, testA/, testB/)`);
    const { path: _path, split: _split, ...rest } = options;
    const images = await folderImageSource.open({ ...rest, path: folder, shape: options.shape });
    const description = `unaligned:${root}:${folderName}`;
    return {
      description,
      shape: images.shape,
      size: images.size,
      read: (indices) => images.read(indices),
    };
  },
};
