// Relative links of the repository's Markdown (README.md, docs/**/*.md and every other .md
// outside node_modules) that point at nothing: a missing file, or a #fragment that names no
// heading of its target. External links (http:, https:, mailto:) are not checked. Also repository
// paths the prose names in code spans (`packages/core/src/engine/losses.ts`), so that a moved
// file is not left behind in the docs.
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

/** Lines outside fenced code blocks, with their 1-based numbers, code spans removed unless `keepCode`. */
function proseLines(text: string, keepCode = false): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  text.split('\n').forEach((line, index) => {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced) out.push({ line: index + 1, text: keepCode ? line : line.replace(/`[^`]*`/g, '') });
  });
  return out;
}

/** Top folders of the repository whose paths the prose may name. */
const REPOSITORY_FOLDERS = ['packages', 'docs', 'examples', 'scripts'];

/**
 * Repository paths named in code spans outside fenced blocks: `packages/...`, `docs/...`,
 * `examples/...`, `scripts/...`. Spans with placeholders (`<topic>`, `*`) are skipped.
 */
export function mentionedPaths(text: string): { line: number; path: string }[] {
  const out: { line: number; path: string }[] = [];
  for (const { line, text: prose } of proseLines(text, true)) {
    for (const match of prose.matchAll(/`([^`\s]+)`/g)) {
      const path = match[1]!.replace(/[/:,.]+$/, '');
      const top = path.split('/')[0]!;
      if (!REPOSITORY_FOLDERS.includes(top) || !path.includes('/') || !/^[\w./@-]+$/.test(path)) continue;
      out.push({ line, path });
    }
  }
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

/** Whether `path` exists from the repository root, or from the Markdown file's folder or one of its ancestors (a package's README names its own paths). */
function pathExists(root: string, from: string, path: string): boolean {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, path))) return true;
    if (relative(root, dir) === '' || dir === dirname(dir)) return false;
  }
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
    for (const { line, path } of mentionedPaths(readFileSync(absolute, 'utf8'))) {
      if (!pathExists(root, dirname(absolute), path)) broken.push({ file, line, target: path, reason: 'names a repository path that does not exist' });
    }
  }
  return broken;
}
