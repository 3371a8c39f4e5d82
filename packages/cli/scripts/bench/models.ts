import { createRng, mnistImageSource, U8ImageSource, type ImageShape, type ImageSource } from '@attrib/core';
import { DcganGenerator, resolveDcganConfig } from '@attrib/adapter-dcgan';
import { BENCH_SETTINGS } from './settings.js';

/** The 32x32 grey MNIST images of the release's DCGAN-MNIST setup. */
export const MNIST32: ImageShape = { height: 32, width: 32, channels: 1 };

/** A freshly initialised DCGAN (nz 100, ngf 64) making `shape` images. */
export function dcgan(shape: ImageShape): DcganGenerator {
  return new DcganGenerator(resolveDcganConfig({ resolution: shape.height, channels: shape.channels, nz: 100, ngf: 64 }));
}

/** MNIST for 32x32x1; random bytes otherwise (the generator steps only read its size and 1,000 images). */
export async function dataFor(shape: ImageShape): Promise<ImageSource> {
  if (shape.height === 32 && shape.channels === 1) return mnistImageSource.open({ shape });
  const d = shape.height * shape.width * shape.channels;
  const pixels = new Uint8Array(BENCH_SETTINGS.randomImages * d);
  const rng = createRng(3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.floor(rng.uniform() * 256);
  return new U8ImageSource('random bytes', shape, pixels);
}
