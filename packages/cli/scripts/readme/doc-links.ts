// Relative links of the repository's Markdown (README.md, docs/**/*.md and every other .md
// outside node_modules) that point at nothing: a missing file, or a #fragment that names no
// heading of its target. External links (http:, https:, mailto:) are not checked.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface BrokenLink {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly reason: string;
}

/** Markdown files under `root`, relative to it, skipping node_modules, dist and dot folders. */
export function markdownFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownFiles(root, path));
    else if (entry.name.endsWith('.md')) out.push(relative(root, path));
  }
  return out.sort();
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  text.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) out.push({ line: index + 1, text: line.replace(/`[^`]*`/g, '') });
  });
  return out;
}

/** The link targets of a Markdown text (`[text](target)` and `![alt](target)`), outside code. */
export function linkTargets(text: string): { line: number; target: string }[] {
  const out: { line: number; target: string }[] = [];
  for (const { line, text: prose } of proseLines(text)) {
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push({ line, target: match[1]! });
  }
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6}\s+(.*)$/.exec(text);
    if (!heading) continue;
    const base = headingAnchor(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every relative link of the Markdown files under `root` that does not resolve. */
export function brokenLinks(root: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of markdownFiles(root)) {
    const absolute = join(root, file);
    for (const { line, target } of linkTargets(readFileSync(absolute, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [path = '', fragment] = target.split('#');
      const resolved = path === '' ? absolute : resolve(dirname(absolute), decodeURIComponent(path));
      if (!existsSync(resolved)) {
        broken.push({ file, line, target, reason: 'no such file' });
      } else if (fragment !== undefined && resolved.endsWith('.md') && statSync(resolved).isFile() && !anchorsOf(resolved).has(fragment)) {
        broken.push({ file, line, target, reason: `no heading with anchor #${fragment}` });
      }
    }
  }
  return broken;
}
