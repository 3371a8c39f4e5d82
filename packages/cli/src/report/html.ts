/** Text as HTML: `&`, `<`, `>`, `"` and `'` escaped (safe in element content and quoted attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A number for a table cell: 4 decimals below 10 (shares and SSIM), 2 up to 100 (PSNR in dB),
 * 1 above; a dash for a missing or non-finite value.
 */
export function formatNumber(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : 4);
}

/** An HTML table from escaped-already cells; `head` is one header row. */
export function htmlTable(className: string, head: readonly string[], rows: readonly (readonly string[])[]): string {
  const headRow = `<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${className}">\n<thead>${headRow}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}
