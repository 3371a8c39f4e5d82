import * as tf from '@tensorflow/tfjs-core';
import type { Generator, GeneratorMode, NamedTensors } from '@attrib/core';
import { imageSize, type ImageShape } from '@attrib/core';
import type { Rng } from '@attrib/core';

/**
 * A generator with known outputs, for metric tests: its "inputs" are row numbers of a fixed table
 * of images, handed out in cyclic order (0, 1, ..., n-1, 0, ...) whatever the rng says, so a
 * metric drawing k*n samples sees every row exactly k times and its answer can be worked out
 * from the table by hand. Generators built from tables of equal length map equal inputs to
 * corresponding rows ("shared inputs").
 */
export class TableGenerator implements Generator {
  readonly adapter = 'test-table';
  readonly inputKind = 'latent' as const;
  readonly config: Readonly<Record<string, unknown>> = {};
  readonly trainableVariables: readonly tf.Variable[] = [];
  readonly rows: number;
  private readonly table: tf.Tensor2D;
  private next = 0;
  private currentMode: GeneratorMode = 'eval';

  constructor(readonly imageShape: ImageShape, values: Float32Array) {
    const d = imageSize(imageShape);
    this.rows = values.length / d;
    if (!Number.isInteger(this.rows) || this.rows === 0) throw new Error('table generator: values do not fill whole images');
    this.table = tf.tensor2d(values, [this.rows, d]);
  }

  get mode(): GeneratorMode {
    return this.currentMode;
  }

  setMode(mode: GeneratorMode): void {
    this.currentMode = mode;
  }

  sampleInputs(count: number, _rng: Rng): tf.Tensor {
    const indices = Array.from({ length: count }, (_, i) => (this.next + i) % this.rows);
    this.next = (this.next + count) % this.rows;
    return tf.tensor1d(indices, 'int32');
  }

  generate(inputs: tf.Tensor): tf.Tensor4D {
    const { height, width, channels } = this.imageShape;
    return tf.tidy(() => tf.reshape(tf.gather(this.table, inputs as tf.Tensor1D), [-1, height, width, channels]) as tf.Tensor4D);
  }

  clone(): Generator {
    return new TableGenerator(this.imageShape, this.table.dataSync() as Float32Array);
  }

  freeze(): void {}

  state(): NamedTensors {
    return { table: this.table.clone() };
  }

  loadState(_state: NamedTensors): void {
    throw new Error('table generator: loadState is not supported');
  }

  dispose(): void {
    this.table.dispose();
  }
}
