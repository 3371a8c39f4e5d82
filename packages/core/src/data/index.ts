export { builtinImageSources } from './builtin.js';
export { U8ImageSource } from './u8-image-source.js';
export { resizeBilinearPil } from './pil-resize.js';
export { fitGreyImages, type GreyFit } from './fit-grey.js';
export { loadMnistDigits, mnistSplitIndices, mnistImageSource, type MnistDigits } from './mnist.js';
export { parseIdx, idxImageSource, type IdxArray } from './idx.js';
export { folderImageSource, loadImageFile } from './folder.js';
