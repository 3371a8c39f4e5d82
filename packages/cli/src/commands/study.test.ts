import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addKeys, createLoadedPluginHost, initRun, parseStudyConfig, planCells, trainGenerators, type BaseInfo, type RunManifest, type StudyResult,
} from '@attrib/core';
import { readConfigFile } from '../config-file.js';
import { useBackend } from '@attrib/testing/backend';
import { testHost, TINY_OPTIONS, writeRunFixture, type RunFixture } from '@attrib/testing/run-fixture';
import { CLI_ROOT, runCommand } from '@attrib/testing/cli/run-command';
import { writeTestDoublesFolder } from '@attrib/testing/cli/test-doubles-folder';
import { writeThirdPartyPlugin } from '@attrib/testing/cli/third-party-plugin';
import Study from './study.js';


let fixture: RunFixture;
let common: string[];

beforeAll(async () => {
  await useBackend('cpu');
  fixture = await writeRunFixture(64);
  const host = await testHost();
  const base = join(fixture.dir, 'runs', 'base');
  await initRun(host, { dir: base, adapter: 'test-dense', root: fixture.rootFile, data: { source: 'test-json', path: fixture.dataFile }, seed: 11, options: TINY_OPTIONS.first });
  await addKeys(host, { dir: base, count: 1, options: TINY_OPTIONS.keys });
  await trainGenerators(host, { dir: base, options: TINY_OPTIONS.generators });
  // Plugins from a folder: core's test doubles (adapter test-dense) and a third party's post-processes (invert, scale).
  const plugins = writeTestDoublesFolder();
  writeThirdPartyPlugin(plugins);
  common = ['--backend', 'cpu', '--plugins-dir', plugins];
});

const TRAINING = `training:
  robust: { epochs: 1, stepsPerEpoch: 3, batchSize: 8, checkSamples: 10 }
evaluation: { samples: 20, fid: false }
`;

describe('attrib study', () => {
  it("runs a config file's grid with a third-party post-process as a robust cell, showing progress per cell", async () => {
    const config = join(fixture.dir, 'study.yaml');
    writeFileSync(config, `base: runs/base
postprocesses:
  none:
  scale: { param: factor, values: [0.5] }
robust: [false, true]
alphas: [10, 50]
out: studies/one
${TRAINING}`);
    const outcome = await runCommand<StudyResult>(Study, [config, ...common]);
    expect(outcome.error).toBeUndefined();
    const out = join(fixture.dir, 'studies/one');
    // none: plain only; scale: plain, robust at alpha 10 and 50.
    expect(outcome.stderr.match(/^cell \d\/4 .*: evaluation$|^cell \d\/4 .*: robust training \(alpha \d+\), then evaluation$/gm)).toHaveLength(4);
    expect(outcome.stderr).toMatch(/^cell 4\/4 base_base_scale_factor-0\.5_robust-alpha-50: attributability \d\.\d{4}, distinguishability \d\.\d{4}, L2 \d+\.\d{4}$/m);
    const csv = readFileSync(join(out, 'study.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv.slice(1).map((line) => line.split(',').slice(1, 8).join(','))).toEqual([
      // The base's keys were trained with the orthogonal term (its manifest says so).
      'test-dense,none,,,,orthogonal,false', 'test-dense,scale,factor,0.5,,orthogonal,false',
      'test-dense,scale,factor,0.5,10,orthogonal,true', 'test-dense,scale,factor,0.5,50,orthogonal,true',
    ]);
    const manifest = JSON.parse(readFileSync(join(out, 'cells/base_base_scale_factor-0.5_robust-alpha-50/manifest.json'), 'utf8')) as RunManifest;
    expect(manifest.robust.scale).toEqual(['key-1', 'key-2']);
    expect(manifest.config.robust).toMatchObject({ alpha: 50, epochs: 1 });
    expect(existsSync(join(out, 'robustness-scale.svg'))).toBe(true);
    expect(outcome.stdout).toMatch(/4 of 4 cells run now; wrote study\.json, study\.csv, robustness-scale\.svg, l2-scale\.svg, quality-robustness\.svg to /);

    const again = await runCommand<StudyResult>(Study, [config, ...common, '--json']);
    expect(again.error).toBeUndefined();
    expect(JSON.parse(again.stdout)).toMatchObject({ cells: 4, ran: [] });
    expect(again.stderr.match(/: already done$/gm)).toHaveLength(4);
  });

  it('takes the grid from flags: --strength sets a post-process parameter per cell', async () => {
    const out = join(fixture.dir, 'studies/flags');
    const outcome = await runCommand<StudyResult>(Study, [
      '--base', join(fixture.dir, 'runs/base'), '--postprocess', 'test-contrast', '--strength', 'test-contrast.min=0.5,0.8',
      '--samples', '20', '--fid', 'false', '--out', out, ...common, '--json',
    ]);
    expect(outcome.error).toBeUndefined();
    const result = JSON.parse(outcome.stdout) as StudyResult;
    expect(result.rows.map((r) => [r.postprocess, r.param, r.strength, r.robust])).toEqual([
      ['test-contrast', 'min', '0.5', false], ['test-contrast', 'min', '0.8', false],
    ]);
    for (const row of result.rows) {
      expect(row.attributability).toBeGreaterThanOrEqual(0);
      expect(row.attributability).toBeLessThanOrEqual(1);
    }
  });

  it('a bad config is one line naming the key and value, and nothing is written', async () => {
    const config = join(fixture.dir, 'bad.yaml');
    writeFileSync(config, `base: runs/base\npostprocesses: { blur: { param: sigma, values: 3x } }\nout: studies/bad\n`);
    const outcome = await runCommand(Study, [config, ...common]);
    expect(outcome.stderr).toBe(`Error: study config ${config}: "postprocesses.blur": blur: parameter "sigma" expects a number > 0, got "3x"\n`);
    expect(existsSync(join(fixture.dir, 'studies/bad'))).toBe(false);

    writeFileSync(config, `base: runs/base\npostprocesses: { scale: { params: { factor: fast } } }\nout: studies/bad\n`);
    const refused = await runCommand(Study, [config, ...common]);
    expect(refused.stderr).toBe(`Error: study config ${config}: "postprocesses.scale": scale: factor must be a number, got "fast"\n`);
    expect(existsSync(join(fixture.dir, 'studies/bad'))).toBe(false);

    const noOut = await runCommand(Study, ['--base', join(fixture.dir, 'runs/base'), '--postprocess', 'none', ...common]);
    expect(noOut.stderr).toBe('Error: --out is required (the study folder; config key out)\n');
  });
});

describe('the shipped example studies', () => {
  const examples = join(CLI_ROOT, '../../examples');
  const demo: BaseInfo = { adapter: 'dcgan', generators: ['key-1', 'key-2', 'key-3', 'key-4', 'key-5'], dataSource: 'mnist', angleTerm: 'orthogonal' };

  /** The example's parsed config and its cells over `base` (a run under runs/ with the demo's keys). */
  async function planOf(file: string, base = 'demo') {
    const { host } = await createLoadedPluginHost({ workspaceFrom: CLI_ROOT, nodeModulesRoots: [CLI_ROOT], pluginDirs: [] });
    const config = await readConfigFile(join(examples, file));
    const { out: _out, ...values } = config.values;
    const study = parseStudyConfig(values, `study config ${config.path}`, (p) => join(config.dir, p));
    expect(study.bases).toEqual([{ label: base, dir: join(CLI_ROOT, '../../runs', base) }]);
    return { study, cells: planCells(study, new Map([[base, demo]]), host) };
  }
  const plan = async (file: string) => (await planOf(file)).cells;

  it('study-mnist.yaml: every post-process of table 2 before and after robust training, the codec combination plain only', async () => {
    const cells = await plan('study-mnist.yaml');
    const count = (pp: string, robust: boolean) => cells.filter((c) => c.postProcess === pp && c.robust === robust).length;
    expect([count('none', false), count('none', true)]).toEqual([1, 0]);
    for (const pp of ['blur', 'crop', 'noise']) expect([count(pp, false), count(pp, true)]).toEqual([3, 3]);
    for (const pp of ['jpeg', 'combination']) expect([count(pp, false), count(pp, true)]).toEqual([1, 1]);
    expect([count('combination-codec', false), count('combination-codec', true)]).toEqual([1, 0]);
  });

  it('study-angles.yaml: orthogonal and cosine key runs, each measured plain and under blur', async () => {
    const cells = await plan('study-angles.yaml');
    expect(cells.map((c) => [c.angle, c.postProcess, c.robust])).toEqual([
      ['orthogonal', 'none', false], ['orthogonal', 'blur', false], ['cosine', 'none', false], ['cosine', 'blur', false],
    ]);
  });

  it('study-robust-paper.yaml: every post-process of table 2, robust only, alpha 1 for blur and 2 for the others, a whole epoch with the post-process at every step', async () => {
    const { study, cells } = await planOf('study-robust-paper.yaml');
    expect(cells.map((c) => [c.postProcess, c.robust, c.alpha])).toEqual(
      [['blur', 1], ['crop', 2], ['noise', 2], ['jpeg', 2], ['combination', 2]].map(([pp, alpha]) => [pp, true, alpha]),
    );
    expect(study.training.robust).toMatchObject({ epochs: 1, stepsPerEpoch: 625, batchSize: 16, probability: 1 });
    expect(study.evaluation.fid).toBe('auto');
  });

  it('study-robust-projected.yaml: the robust table again with the projected robust objective (alpha 100, batch norm frozen)', async () => {
    const { study, cells } = await planOf('study-robust-projected.yaml');
    expect(cells.map((c) => [c.postProcess, c.robust, c.alpha])).toEqual(['blur', 'noise', 'jpeg', 'crop', 'combination'].map((pp) => [pp, true, 100]));
    expect(study.training.robust).toMatchObject({ objective: 'projected', trainMode: 'eval', batchSize: 16, probability: 1 });
    expect(study.evaluation.fid).toBe('auto');
  });

  it('study-robust-averaged.yaml: every post-process plain and robust (alpha 1 for blur, 2 for the others), weights averaged, the other keys\' term', async () => {
    const { study, cells } = await planOf('study-robust-averaged.yaml');
    expect(cells.map((c) => [c.postProcess, c.robust, c.alpha])).toEqual(
      [['blur', 1], ['crop', 2], ['noise', 2], ['jpeg', 2], ['combination', 2]].flatMap(([pp, alpha]) => [[pp, false, null], [pp, true, alpha]]),
    );
    expect(study.training.robust).toMatchObject({ epochs: 1, stepsPerEpoch: 300, batchSize: 16, probability: 1, othersWeight: 1, ema: 0.99 });
    expect(study.evaluation.fid).toBe('auto');
  });

  it('study-crop-keys.yaml: an orthogonal key run from its own base, crop plain and robust at alpha 2, none plain', async () => {
    const { study, cells } = await planOf('study-crop-keys.yaml', 'crop-base');
    expect(cells.map((c) => [c.angle, c.postProcess, c.robust, c.alpha])).toEqual([
      ['orthogonal', 'none', false, null], ['orthogonal', 'crop', false, null], ['orthogonal', 'crop', true, 2],
    ]);
    expect(study.training.keys).toMatchObject({ lrKey: 0.05 });
  });

  it('study-waves.yaml: every attack swept over 5 WAVES strengths plain, and the differentiable ones at evaluation strength plain and robust', async () => {
    const cells = await plan('study-waves.yaml');
    const swept = (pp: string) => cells.filter((c) => c.postProcess === pp && c.param !== '').map((c) => c.strength);
    expect(swept('rotate')).toEqual([0, 11.25, 22.5, 33.75, 45]);
    expect(swept('resized-crop')).toEqual([1, 0.875, 0.75, 0.625, 0.5]);
    expect(swept('erase')).toEqual([0, 0.0625, 0.125, 0.1875, 0.25]);
    expect(swept('brightness')).toEqual([1, 1.25, 1.5, 1.75, 2]);
    expect(swept('jpeg-codec')).toEqual([90, 70, 50, 30, 10]);
    expect(cells.filter((c) => c.param !== '').every((c) => !c.robust)).toBe(true);
    const atDefaults = cells.filter((c) => c.param === '' && c.postProcess !== 'none').map((c) => [c.postProcess, c.robust, c.alpha]);
    expect(atDefaults).toEqual(['rotate', 'resized-crop', 'erase', 'brightness', 'contrast', 'resize'].flatMap((pp) => [[pp, false, null], [pp, true, 2]]));
    expect((await planOf('study-waves.yaml')).study.collusion).toEqual({ k: [2, 3, 4, 5], pool: ['weights', 'outputs', 'splice'] });
  });

  it('study-waves-quick.yaml: the same attacks at 3 strengths, robust cells only at evaluation strength, fewer samples and steps, the same collusion', async () => {
    const { study, cells } = await planOf('study-waves-quick.yaml');
    const swept = (pp: string) => cells.filter((c) => c.postProcess === pp && c.param !== '').map((c) => c.strength);
    expect(swept('rotate')).toEqual([0, 22.5, 45]);
    expect(swept('jpeg-codec')).toEqual([90, 50, 10]);
    expect(cells.filter((c) => c.param === '' && c.postProcess !== 'none').map((c) => [c.postProcess, c.robust, c.alpha])).toEqual(
      ['rotate', 'resized-crop', 'erase', 'brightness', 'contrast', 'resize'].map((pp) => [pp, true, 2]),
    );
    expect(cells).toHaveLength(1 + 8 * 3 + 6);
    expect(study.training.robust).toMatchObject({ stepsPerEpoch: 150, batchSize: 16 });
    expect(study.evaluation).toEqual({ samples: 300, samplesByMetric: { 'tpr-at-fpr': 1850 }, fid: 'auto' });
    expect(study.collusion).toEqual((await planOf('study-waves.yaml')).study.collusion);
  });

  it('study-crop-others.yaml and study-crop-others-demo.yaml: crop robust at alpha 2 with the othersWeight term, on the crop-robust keys and on the demo run', async () => {
    const keys = await planOf('study-crop-others.yaml', 'crop-base');
    expect(keys.cells.map((c) => [c.angle, c.postProcess, c.robust, c.alpha])).toEqual([['orthogonal', 'crop', true, 2]]);
    expect(keys.study.training.keys).toEqual((await planOf('study-crop-keys.yaml', 'crop-base')).study.training.keys);
    const demoRun = await planOf('study-crop-others-demo.yaml');
    expect(demoRun.cells.map((c) => [c.angle, c.postProcess, c.robust, c.alpha])).toEqual([['base', 'crop', true, 2]]);
    for (const { study } of [keys, demoRun]) {
      expect(study.training.robust).toMatchObject({ epochs: 1, stepsPerEpoch: 625, probability: 1, othersWeight: 1 });
    }
  });
});
