import { fileURLToPath } from 'node:url';

/** The path of a file of this package (a child-process script or a plugin module the tests start by path). */
export function testingFile(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}
