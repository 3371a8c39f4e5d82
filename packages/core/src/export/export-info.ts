import type { ImageShape } from '../contracts/image.js';

/** Format tag of {@link ExportInfo}. */
export const EXPORT_FORMAT = 'attrib-export/1';

/** The files of an exported model folder. `model.json` is written last: its presence marks a whole export. */
export const EXPORT_FILES = { model: 'model.json', weights: 'weights.bin', info: 'attrib-model.json' } as const;

/**
 * `attrib-model.json`, beside `model.json`: how to feed the standalone model and read its output,
 * for a user without attrib. The model takes one input and gives one output.
 */
export interface ExportInfo {
  readonly format: typeof EXPORT_FORMAT;
  /** Adapter and architecture settings of the exported generator (for the record; not needed to run it). */
  readonly adapter: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly input:
    | {
        readonly kind: 'latent';
        /** `[null, latentSize]`: a batch of latent vectors. */
        readonly shape: readonly (number | null)[];
        readonly latentSize: number;
        /** Latents are drawn from N(0, I), as in training. */
        readonly distribution: 'N(0, I)';
        readonly dtype: 'float32';
      }
    | {
        readonly kind: 'image';
        /** `[null, height, width, channels]`: source-domain images, NHWC in [-1, 1]. */
        readonly shape: readonly (number | null)[];
        readonly layout: 'NHWC';
        readonly range: readonly [number, number];
        readonly dtype: 'float32';
      };
  readonly output: {
    /** `[null, height, width, channels]`. */
    readonly shape: readonly (number | null)[];
    readonly imageShape: ImageShape;
    readonly layout: 'NHWC';
    /** Values in [-1, 1]. */
    readonly range: readonly [number, number];
    readonly dtype: 'float32';
    /** How attrib turns a value into an 8-bit pixel (torchvision's save_image). */
    readonly toByte: string;
  };
  /** Where the generator came from: run folder and key, or checkpoint file. */
  readonly source: Readonly<Record<string, unknown>>;
  /** The largest |model - generator| seen when the export was checked, on a few inputs. */
  readonly checkedMaxAbsDiff: number;
}
