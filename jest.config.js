/**
 * Three kinds of test, told apart by where and how a file is named (the only place that says it):
 * - unit: `*.unit.test.ts`, no service and no process (test/unit-guard.ts fails one that starts a
 *   process); `npm run test:unit`, the loop to run while changing code.
 * - integration: every other `*.test.ts` under test/ (Azurite, the local Batch service, ImageMagick,
 *   Tesseract, Chromium, spawned CLIs); `npm test` runs it with the unit tests.
 * - bench: test/bench/, the benchmark's smoke run (minutes) and its latency proxy's test;
 *   `npm run bench:check`, and CI.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    // jose ships ES modules only. Node (>= 20.19) requires them as they are, but Jest 29's own module
    // loader cannot, so Jest alone gets them compiled to CommonJS.
    "/node_modules/jose/.+\\.js$": [
      "ts-jest",
      { tsconfig: { allowJs: true, module: "commonjs", target: "ES2022", isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
};

module.exports = {
  projects: [
    {
      ...shared,
      displayName: "unit",
      testMatch: ["**/*.unit.test.ts"],
      setupFilesAfterEnv: ["<rootDir>/test/unit-guard.ts"],
    },
    {
      ...shared,
      displayName: "integration",
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["\\.unit\\.test\\.ts$", "<rootDir>/test/bench/"],
    },
    { ...shared, displayName: "bench", testMatch: ["<rootDir>/test/bench/**/*.test.ts"] },
  ],
  // Tests start real processes (Azurite, the local Batch service, Tesseract): give them room.
  testTimeout: 120000,
  // Two cores: run test files two at a time so real OCR work does not starve the services.
  maxWorkers: 2,
};
