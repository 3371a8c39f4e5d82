// Preloaded (NODE_OPTIONS=--require) into a timed child such as `attrib demo`: writes the
// process's peak resident set size in KB to the file named by ATTRIB_BENCH_RSS_FILE on exit.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const file = process.env.ATTRIB_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
