import { describe, expect, it } from 'vitest';
import { commandTable, flagSummary, TABLE_END, TABLE_START, usage, withTable, type CommandInfo } from '../scripts/readme/command-table.js';
import { commandFiles } from '../scripts/readme/load-commands.js';
import { README, readmeWithCommands } from '../scripts/readme-commands.js';

const keysImport: CommandInfo = {
  id: 'keys import',
  summary: 'Add keys | from the release.',
  args: [{ name: 'run', required: true }, { name: 'file', required: true }],
  variadic: true,
  flags: [
    { name: 'json', group: 'GLOBAL', boolean: true },
    { name: 'id', boolean: false },
    { name: 'lr', group: 'TRAINING', boolean: false },
    { name: 'alpha', group: 'TRAINING', boolean: false },
  ],
};

describe('the README command table', () => {
  it('writes usage as --help does: required args upper case, optional ones in brackets, a repeatable last one with ...', () => {
    expect(usage(keysImport)).toBe('attrib keys import RUN FILE...');
    expect(usage({ ...keysImport, id: 'study', args: [{ name: 'config', required: false }], variadic: false })).toBe('attrib study [CONFIG]');
  });

  it("lists a command's own flags, leaves out the global ones and names the shared training flags once", () => {
    expect(flagSummary(keysImport)).toBe('`--id`, the training flags');
    expect(commandTable([keysImport]).split('\n')).toEqual([
      '| command | what it does | its flags |',
      '| --- | --- | --- |',
      '| `attrib keys import RUN FILE...` | Add keys \\| from the release. | `--id`, the training flags |',
    ]);
  });

  it('replaces only what lies between the markers, and names the file when they are missing', () => {
    const text = `intro\n${TABLE_START}\nold table\n${TABLE_END}\nrest\n`;
    expect(withTable(text, 'new table', 'X.md')).toBe(`intro\n${TABLE_START}\nnew table\n${TABLE_END}\nrest\n`);
    expect(() => withTable('no markers', 'new table', 'X.md')).toThrow(/^X\.md: expected the marker lines/);
  });

  it('README.md holds the table generated from every command in src/commands (else run `npx pnpm@12.4.2 readme`)', async () => {
    const { expected, actual, commands } = await readmeWithCommands();
    // Every command file gave a row (loadCommands also throws when oclif skipped one).
    expect(commands.map((command) => `${command.id.replaceAll(' ', '/')}.ts`).sort()).toEqual(commandFiles().sort());
    expect(actual, `${README}: the command table is out of date; run \`npx pnpm@12.4.2 readme\``).toBe(expected);
  });
});
