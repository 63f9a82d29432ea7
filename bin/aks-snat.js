#!/usr/bin/env node
'use strict';
// V8's code cache on disk (Node >= 22.1): later runs skip compiling client-node's few hundred modules.
require('node:module').enableCompileCache?.();
// The CLI is compiled by `npm ci` (the prepare script); this shim only finds it.
let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND') {
    process.stderr.write(
      'aks-snat: not built yet: run `npm ci` (or `npm run build`) in the repository first\n',
    );
    process.exit(1);
  }
  throw error;
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
