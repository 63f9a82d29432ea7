#!/usr/bin/env node
/**
 * `npm test` runs this first: the report test opens report.html in Debian's Chromium (never a browser
 * downloaded by a test tool). On a machine without it, as root with apt-get, it is installed; elsewhere
 * the test itself says what is missing.
 */
'use strict';
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');

const CHROMIUM = '/usr/bin/chromium';
if (existsSync(CHROMIUM) || process.env.AKS_SNAT_SKIP_CHROMIUM_INSTALL === '1') process.exit(0);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !existsSync('/usr/bin/apt-get')) {
  process.stderr.write(
    `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) for the report test\n`,
  );
  process.exit(0);
}
process.stderr.write(`installing Debian's chromium for the report test (apt-get install -y chromium)\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) {
    process.stderr.write(
      `apt-get ${args.join(' ')} failed (exit ${result.status}); the report test will say so\n`,
    );
    process.exit(0);
  }
}
