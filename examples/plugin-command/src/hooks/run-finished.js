// @ts-check
// Listens to attrib's own hook event `attrib:run-finished` (package.json "oclif": { "hooks": ... }).
// Hooks write to stderr: with --json, stdout holds only the command's JSON.

/** @type {import('@attrib/cli').RunFinishedHook} */
const hook = async function (options) {
  if (options.stage !== 'first' && options.stage !== 'keys') return;
  process.stderr.write(`key-similarity: ${options.command} changed the keys of ${options.run}; compare them with \`attrib keys similarity ${options.run}\`\n`);
};

export default hook;
