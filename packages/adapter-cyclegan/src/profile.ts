import type {
  FirstStageOptions, GeneratorStageOptions, KeyStageOptions, OptionsInput, RobustStageOptions,
} from '@attrib/core';

/**
 * A named set of training settings (`--profile paper`): stage options in the engine's own names,
 * plus what the run reads. Options a profile leaves out keep the engine's defaults; flags and
 * config files override a profile.
 */
export interface CycleganProfile {
  /** Profile name on the command line. */
  readonly name: string;
  readonly description: string;
  /** The adapter whose root generator the settings were made for. */
  readonly adapter: 'cyclegan';
  /**
   * Data of the run: an `unaligned` set; the generator's inputs are split `inputSplit`
   * (`AdapterContext.inputs`) and the real data of keys and metrics is split `realSplit`.
   */
  readonly data: { readonly source: 'unaligned'; readonly inputSplit: 'A'; readonly realSplit: 'B' };
  readonly stages: {
    readonly first: OptionsInput<FirstStageOptions>;
    readonly keys: OptionsInput<KeyStageOptions>;
    readonly generators: OptionsInput<GeneratorStageOptions>;
    readonly robust?: OptionsInput<RobustStageOptions>;
  };
}

/**
 * The release's CycleGAN settings, Cityscapes photo to label (`sh/CycleGAN/*.sh`, method.md
 * "Settings of the release scripts"), for the root imported from `latest_net_G_A.pth`:
 * - first key and generator: lr 5e-4, batch 1, 5 epochs, alpha 1000, lr_K 1e-3;
 * - more keys: lr_K 1e-3, batch 4, 15 epochs, the side experiment's angle term
 *   20 * |0.7 - cos(phi_j, phi)| (keys at about 45 degrees);
 * - a generator per key: lr 5e-4, batch 1, 5 epochs, alpha 1000.
 * Everything else (beta1 0.5 and beta2 0.99, the 0.6 and 0.7 decays, MSE, the hinge objective,
 * robust training) is the engine's default, which is the release's; the table gives no beta1 for
 * CycleGAN, so the release's default one is kept.
 */
export const cycleganPaperProfile: CycleganProfile = {
  name: 'paper',
  description: 'the release\'s CycleGAN settings, Cityscapes photo to label: alpha 1000, batch 1, 5 epochs; keys batch 4, 15 epochs, cosine target 0.7',
  adapter: 'cyclegan',
  data: { source: 'unaligned', inputSplit: 'A', realSplit: 'B' },
  stages: {
    first: { lr: 5e-4, batchSize: 1, epochs: 5, alpha: 1000, lrKey: 1e-3 },
    keys: { lrKey: 1e-3, batchSize: 4, epochs: 15, angleTerm: 'cosine', cosineTarget: 0.7, cosineWeight: 20 },
    generators: { lr: 5e-4, batchSize: 1, epochs: 5, alpha: 1000 },
  },
};
