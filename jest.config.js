/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // JavaScript too: @kubernetes/client-node and its dependencies ship only as ES modules.
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  // The ES-module-only packages in @kubernetes/client-node's dependencies (found by walking them).
  transformIgnorePatterns: [
    '/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|socks-proxy-agent|agent-base|@jsep-plugin/assignment|@jsep-plugin/regex)/)',
  ],
  // Jest's sandbox lacks Symbol.dispose, which undici (client-node's HTTP client) needs.
  setupFiles: ['<rootDir>/test/helpers/symbol-dispose.ts'],
  // Servers, kubectl and a cold ts-jest cache (CI) make some tests slow to start on two cores.
  testTimeout: 30_000,
  // Jest's default of one worker per core leaves nothing for the servers that later suites start.
  maxWorkers: 2,
};
