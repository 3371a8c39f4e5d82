import type { ParamValue } from '../contracts/post-process.js';
import { resolveOptions } from '../contracts/stage-options.js';
import type { RunServices } from '../engine/runs/services.js';
import { RunFolder } from '../io/run-folder.js';
import { NO_POST_PROCESS, type StudyAngle, type StudyBase, type StudyConfig, type StudyPostProcess } from './config.js';

/** One cell of a study's grid. */
export interface StudyCell {
  /** Stable id (also its folder name under cells/): every axis value, so a resumed study finds it. */
  readonly id: string;
  readonly base: StudyBase;
  readonly adapter: string;
  readonly angle: StudyAngle;
  /** Registered name or `none`. */
  readonly postProcess: string;
  /** The parameter set by the strength (empty: the post-process's defaults). */
  readonly param: string;
  readonly strength: ParamValue | null;
  /** Every parameter given to the post-process (fixed ones and the strength). */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly robust: boolean;
  /** Alpha of robust training; null for plain cells. */
  readonly alpha: number | null;
}

/** What the planner reads of a base run. */
export interface BaseInfo {
  readonly adapter: string;
  /** Keys with a keyed generator. */
  readonly generators: readonly string[];
  readonly dataSource: string;
  /** The angle term the base's keys were trained with, if it trained any beyond the first. */
  readonly angleTerm: string | undefined;
}

export async function readBaseInfo(base: StudyBase): Promise<BaseInfo> {
  const folder = await RunFolder.open(base.dir).catch((error: Error) => {
    throw new Error(`study base ${base.label}: ${error.message}`);
  });
  const m = folder.manifest;
  const keysConfig = m.config.keys as { angleTerm?: string } | undefined;
  return { adapter: m.adapter, generators: m.keys.filter((id) => m.generators.includes(id)), dataSource: m.data.source, angleTerm: keysConfig?.angleTerm };
}

/** A strength as text: numbers as written, lists joined with `,`. */
export function formatValue(value: ParamValue | null): string {
  if (value === null) return '';
  return Array.isArray(value) ? value.join(',') : String(value);
}

function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-');
}

/** `count` values evenly spaced from `weakest` to `strongest`, rounded to integers when asked, else to 6 significant digits. */
export function sweepValues(weakest: number, strongest: number, count: number, integer = false): number[] {
  const values = Array.from({ length: count }, (_, i) => weakest + ((strongest - weakest) * i) / (count - 1));
  const rounded = values.map((v) => (integer ? Math.round(v) : Number(v.toPrecision(6))));
  return [...new Set(rounded)];
}

/** The parameter and values a post-process entry sweeps: its own, or its factory's declared strength range for `sweep`. */
function strengthsOf(pp: StudyPostProcess, services: RunServices, where: string): { param?: string; values?: readonly ParamValue[] } {
  if (pp.sweep === undefined) return { ...(pp.param ? { param: pp.param } : {}), ...(pp.values ? { values: pp.values } : {}) };
  const key = `postprocesses.${pp.name}.sweep`;
  let strength;
  try {
    strength = services.postProcess(pp.name).strength;
  } catch (error) {
    throw new Error(`${where}: "${key}": ${(error as Error).message}`);
  }
  if (strength === undefined) throw new Error(`${where}: "${key}" expects a post-process that declares its strength; ${pp.name} does not, give param and values`);
  if (Object.hasOwn(pp.params, strength.param)) throw new Error(`${where}: "postprocesses.${pp.name}.params.${strength.param}" expects no fixed value: ${strength.param} is the swept strength`);
  return { param: strength.param, values: sweepValues(strength.weakest, strength.strongest, pp.sweep, strength.integer) };
}

/**
 * Expands the grid: bases x angles x post-processes x strengths x robust x alphas (alphas only
 * for robust cells; `none` only plain). Every post-process is built once with each strength so a
 * bad name or parameter is reported before any training, naming the config key; a robust cell
 * needs a differentiable post-process (asked for one explicitly, it is an error; through the
 * study-wide `robust` axis, that post-process just gets no robust cells).
 */
export function planCells(config: StudyConfig, infos: ReadonlyMap<string, BaseInfo>, services: RunServices): StudyCell[] {
  const where = config.source;
  const robustAlpha = resolveOptions('robust', config.training.robust).alpha;
  const alphas = config.alphas ?? [robustAlpha];
  const cells: StudyCell[] = [];
  for (const base of config.bases) {
    const info = infos.get(base.label)!;
    if (info.generators.length === 0) throw new Error(`${where}: "base" ${base.dir} has no keyed generators; train them first (attrib generators train)`);
    for (const angle of config.angles) {
      if (angle !== 'base' && (config.keyCount ?? info.generators.length) < 2) {
        throw new Error(`${where}: "angles" ${angle} needs at least 2 keys; base ${base.label} has ${info.generators.length}, set keyCount`);
      }
      for (const entry of config.postProcesses) {
        const pp = { ...entry, ...strengthsOf(entry, services, where) };
        const strengths: (ParamValue | null)[] = pp.values ? [...pp.values] : [null];
        for (const strength of strengths) {
          const params = { ...pp.params, ...(pp.param && strength !== null ? { [pp.param]: strength } : {}) };
          let differentiable = false;
          if (pp.name !== NO_POST_PROCESS) {
            const key = `postprocesses.${pp.name}`;
            try {
              differentiable = services.postProcess(pp.name).create(params).differentiable;
            } catch (error) {
              throw new Error(`${where}: "${key}": ${(error as Error).message}`);
            }
            if (pp.robust?.includes(true) && !differentiable) {
              throw new Error(`${where}: "${key}.robust": ${pp.name} is not differentiable, so it cannot be trained against; expected false`);
            }
          }
          const robusts = (pp.robust ?? config.robust).filter((r) => !r || (pp.name !== NO_POST_PROCESS && differentiable));
          for (const robust of robusts.length > 0 ? robusts : [false]) {
            for (const alpha of robust ? (pp.alphas ?? alphas) : [null]) {
              const id = [
                base.label, angle, pp.name, pp.param ? `${pp.param}-${formatValue(strength)}` : 'default',
                robust ? `robust-alpha-${alpha}` : 'plain',
              ].map(idPart).join('_');
              cells.push({
                id, base, adapter: info.adapter, angle, postProcess: pp.name, param: pp.param ?? '', strength, params, robust, alpha,
              });
            }
          }
        }
      }
    }
  }
  const ids = cells.map((c) => c.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`${where}: two cells would both be ${twice}; list each post-process and value once`);
  return cells;
}
