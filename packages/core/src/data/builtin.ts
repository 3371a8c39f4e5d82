import type { ImageSourceFactory } from '../contracts/image-source.js';

/** The image sources attrib core registers as a plugin. */
export const builtinImageSources: readonly ImageSourceFactory[] = [];
