import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks, headingAnchor, linkTargets } from '../scripts/readme/doc-links.js';

const REPOSITORY = fileURLToPath(new URL('../../..', import.meta.url));

describe('relative links and named paths of the Markdown files', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attrib-links-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds links and images outside code, and anchors as GitHub makes them', () => {
    expect(linkTargets('See [a](docs/a.md#x) and ![p](p.png).\n```\n[not](code.md)\n```\n`[nor](inline.md)`')).toEqual([
      { line: 1, target: 'docs/a.md#x' },
      { line: 1, target: 'p.png' },
    ]);
    expect(headingAnchor('Crop: keys that survive cropping, and the `other` keys\' term')).toBe('crop-keys-that-survive-cropping-and-the-other-keys-term');
  });

  it('reports a missing file, a missing heading and a moved path, with file and line', () => {
    mkdirSync(join(tmp, 'docs'));
    mkdirSync(join(tmp, 'packages', 'p', 'scripts'), { recursive: true });
    writeFileSync(join(tmp, 'packages', 'p', 'scripts', 'make.py'), '');
    writeFileSync(join(tmp, 'packages', 'p', 'README.md'), 'Made by `scripts/make.py`.\n');
    writeFileSync(join(tmp, 'docs', 'guide.md'), '# Guide\n\n## The part\n\nSee `packages/p/scripts/make.py`, `packages/<name>/src/` and `packages/p/src/gone.ts`.\n');
    writeFileSync(join(tmp, 'README.md'), '[ok](docs/guide.md#the-part)\n[gone](docs/gone.md)\n[bad](docs/guide.md#nothing)\n[web](https://example.org/x)\n');
    expect(brokenLinks(tmp)).toEqual([
      { file: 'README.md', line: 2, target: 'docs/gone.md', reason: 'no such file' },
      { file: 'README.md', line: 3, target: 'docs/guide.md#nothing', reason: 'no heading with anchor #nothing' },
      { file: 'docs/guide.md', line: 5, target: 'packages/p/src/gone.ts', reason: 'names a repository path that does not exist' },
    ]);
  });

  it('README.md and docs/ link only to files and headings that exist, and name only paths that exist', () => {
    expect(brokenLinks(REPOSITORY)).toEqual([]);
  });
});
