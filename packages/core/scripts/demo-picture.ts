/**
 * Composes the README's picture of the demo: the root's sample grid, a keyed generator's grid on
 * the same latents and that generator's key, side by side at 1x (no scaling), on a transparent
 * background. The inputs are the files `attrib demo` writes into its run folder:
 *
 *   npx tsx --conditions=source packages/core/scripts/demo-picture.ts \
 *     runs/demo/samples/root.png runs/demo/samples/key-2.png runs/demo/keys/key-2.png docs/demo.png
 */
import sharp from 'sharp';

const GAP = 16;

const [rootFile, keyedFile, keyFile, out] = process.argv.slice(2);
if (!rootFile || !keyedFile || !keyFile || !out) {
  console.error('usage: demo-picture.ts ROOT_GRID.png KEYED_GRID.png KEY.png OUT.png (e.g. runs/demo/samples/root.png runs/demo/samples/key-2.png runs/demo/keys/key-2.png docs/demo.png)');
  process.exit(1);
}

async function size(file: string): Promise<{ width: number; height: number }> {
  const { width, height } = await sharp(file).metadata();
  if (!width || !height) throw new Error(`${file}: expected a PNG image with a width and height`);
  return { width, height };
}

const parts = await Promise.all([rootFile, keyedFile, keyFile].map(async (file) => ({ file, ...(await size(file)) })));
const height = Math.max(...parts.map((part) => part.height));
let left = 0;
const composites = parts.map((part) => {
  const placed = { input: part.file, left, top: Math.round((height - part.height) / 2) };
  left += part.width + GAP;
  return placed;
});
const width = left - GAP;
await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
  .composite(composites)
  .toColourspace('b-w') // grey with alpha, as the grids are grey
  .png({ compressionLevel: 9 })
  .toFile(out);
console.log(`${out}: ${width}x${height} (${parts.map((part) => part.file).join(' | ')})`);
