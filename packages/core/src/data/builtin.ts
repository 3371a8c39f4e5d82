import type { ImageSourceFactory } from '../contracts/image-source.js';
import { folderImageSource } from './folder.js';
import { idxImageSource } from './idx.js';
import { mnistImageSource } from './mnist.js';

/** The image sources attrib core registers as a plugin. */
export const builtinImageSources: readonly ImageSourceFactory[] = [mnistImageSource, idxImageSource, folderImageSource];
