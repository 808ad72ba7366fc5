const { existsSync } = require("node:fs");
const path = require("node:path");

// The Batch client fidelity tests drive the local Batch service (issue 3). Until local/index.ts
// exists they can only fail in setup, so they join the suite the moment the service lands.
const localBatchService = existsSync(path.join(__dirname, "local", "index.ts"));

/** @type {import('jest').Config} */
module.exports = {
  testPathIgnorePatterns: ["/node_modules/", ...(localBatchService ? [] : ["/test/local/fidelity-"])],
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: true }],
  },
  // Tests start real processes (Azurite, the local Batch service, Tesseract): give them room.
  testTimeout: 120000,
  // Two cores: run test files two at a time so real OCR work does not starve the services.
  maxWorkers: 2,
};
