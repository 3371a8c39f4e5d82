/** One named series of a plot. */
export interface PlotSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw its line dashed (a second measure of the same series). */
  readonly dashed?: boolean;
}

export interface PlotSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly PlotSeries[];
  /** Join each series' points with a line (else markers only). */
  readonly lines: boolean;
  /** Fixed axis ranges; default: the data's, padded. */
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  /** Tick labels at integer x positions (a categorical x axis). */
  readonly xCategories?: readonly string[];
  /** Dashed vertical lines at these x values, labelled (a reference such as the floor); in the x range. */
  readonly xMarks?: readonly { readonly value: number; readonly label: string }[];
  /** A colour per series instead of the palette's (e.g. one colour for two measures of a variant). */
  readonly colours?: readonly string[];
}

/** The palette's colour `i`. */
export function paletteColour(i: number): string {
  return COLOURS[i % COLOURS.length]!;
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 64, right: 190, top: 36, bottom: 52 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function domainOf(values: number[], fixed: readonly [number, number] | undefined): [number, number] {
  if (fixed) return [fixed[0], fixed[1]];
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (low === high) {
    low -= Math.abs(low) * 0.1 || 0.5;
    high += Math.abs(high) * 0.1 || 0.5;
  }
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
}

/**
 * Round ticks inside a range: the multiples of the smallest step of 1, 2, 2.5 or 5 times a power
 * of ten that gives at most five intervals, so k = 2..5 is ticked 2, 3, 4, 5 and not 2.68.
 */
export function ticks([low, high]: readonly [number, number]): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw * 0.999)!;
  const first = Math.ceil(low / step - 1e-9);
  const out: number[] = [];
  for (let i = first; i * step <= high + step * 1e-9; i++) out.push(Number((i * step).toPrecision(12)));
  return out;
}

function tickLabel(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Number(value.toPrecision(3)).toString();
}

/** A self-contained SVG line or scatter plot with axes, ticks and a legend. */
export function svgPlot(spec: PlotSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  const marks = (spec.xMarks ?? []).filter((m) => Number.isFinite(m.value));
  const xDomain = spec.xCategories ? ([-0.5, spec.xCategories.length - 0.5] as [number, number]) : domainOf([...all.map((p) => p[0]), ...marks.map((m) => m.value)], spec.xDomain);
  const yDomain = domainOf(all.map((p) => p[1]), spec.yDomain);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number): number => MARGIN.left + ((v - xDomain[0]) / (xDomain[1] - xDomain[0])) * plotW;
  const y = (v: number): number => MARGIN.top + plotH - ((v - yDomain[0]) / (yDomain[1] - yDomain[0])) * plotH;
  const f = (v: number): string => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(spec.title)}</text>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
  ];
  const xTicks = spec.xCategories ? spec.xCategories.map((label, i) => [i, label] as const) : ticks(xDomain).map((v) => [v, tickLabel(v)] as const);
  for (const [value, label] of xTicks) {
    out.push(`<line x1="${f(x(value))}" y1="${MARGIN.top + plotH}" x2="${f(x(value))}" y2="${MARGIN.top + plotH + 5}" stroke="#444"/>`);
    out.push(`<text x="${f(x(value))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${escapeXml(label)}</text>`);
  }
  for (const value of ticks(yDomain)) {
    out.push(`<line x1="${MARGIN.left - 5}" y1="${f(y(value))}" x2="${MARGIN.left + plotW}" y2="${f(y(value))}" stroke="#ddd"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${f(y(value) + 4)}" text-anchor="end">${tickLabel(value)}</text>`);
  }
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);
  marks.forEach((mark, i) => {
    out.push(`<line class="mark" x1="${f(x(mark.value))}" y1="${MARGIN.top}" x2="${f(x(mark.value))}" y2="${MARGIN.top + plotH}" stroke="#555" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${f(x(mark.value) + 4)}" y="${MARGIN.top + 14 + i * 14}" fill="#555">${escapeXml(mark.label)}</text>`);
  });
  spec.series.forEach((series, i) => {
    const colour = spec.colours?.[i] ?? COLOURS[i % COLOURS.length]!;
    const points = series.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py));
    out.push(`<g class="series" data-name="${escapeXml(series.name)}">`);
    if (spec.lines && points.length > 1) {
      const sorted = [...points].sort((a, b) => a[0] - b[0]);
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''} points="${sorted.map(([px, py]) => `${f(x(px))},${f(y(py))}`).join(' ')}"/>`);
    }
    for (const [px, py] of points) out.push(`<circle cx="${f(x(px))}" cy="${f(y(py))}" r="4" fill="${colour}"/>`);
    out.push('</g>');
    const ly = MARGIN.top + 8 + i * 18;
    out.push(`<rect x="${MARGIN.left + plotW + 12}" y="${ly - 8}" width="12" height="12" fill="${colour}"/>`);
    out.push(`<text x="${MARGIN.left + plotW + 30}" y="${ly + 2}">${escapeXml(series.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

const TITLE_HEIGHT = 34;

/** Several plots in one self-contained SVG, `columns` to a row, under one title. */
export function svgPanels(title: string, panels: readonly PlotSpec[], columns = 2): string {
  const across = Math.min(columns, panels.length);
  const width = WIDTH * across;
  const height = TITLE_HEIGHT + HEIGHT * Math.ceil(panels.length / columns);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="17">${escapeXml(title)}</text>`,
    ...panels.map((panel, i) => svgPlot(panel).trimEnd().replace('<svg ', `<svg x="${(i % columns) * WIDTH}" y="${TITLE_HEIGHT + Math.floor(i / columns) * HEIGHT}" `)),
    '</svg>',
  ];
  return `${out.join('\n')}\n`;
}
