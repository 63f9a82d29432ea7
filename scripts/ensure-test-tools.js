#!/usr/bin/env node
/**
 * `npm test` runs this first. Two tests need Debian packages the machine may lack:
 * - the report test opens report.html in Debian's Chromium (never a browser downloaded by a test tool);
 * - the real-node tests run the debug pod's command lines with busybox (the debug image's shell and
 *   applets) against real namespaces and processes, as root.
 * On a machine without them, as root with apt-get, they are installed; elsewhere the tests say what is
 * missing (and fail: they do not skip).
 */
'use strict';
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const NEEDED = [
  { path: '/usr/bin/chromium', pkg: 'chromium', skip: 'AKS_SNAT_SKIP_CHROMIUM_INSTALL' },
  { path: '/bin/busybox', pkg: 'busybox', skip: 'AKS_SNAT_SKIP_BUSYBOX_INSTALL' },
];
const missing = NEEDED.filter((n) => !existsSync(n.path) && process.env[n.skip] !== '1');
if (missing.length === 0) process.exit(0);
const packages = missing.map((n) => n.pkg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !existsSync('/usr/bin/apt-get')) {
  process.stderr.write(
    `missing for the tests: ${packages.join(', ')} (apt-get install -y ${packages.join(' ')})\n`,
  );
  process.exit(0);
}
process.stderr.write(
  `installing Debian's ${packages.join(' and ')} for the tests (apt-get install -y ${packages.join(' ')})\n`,
);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...packages],
]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) {
    process.stderr.write(`apt-get ${args.join(' ')} failed (exit ${result.status}); the tests will say so\n`);
    process.exit(0);
  }
}
