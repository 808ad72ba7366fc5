/** @type {import('jest').Config} */
module.exports = {
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
