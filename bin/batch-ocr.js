#!/usr/bin/env node
"use strict";
// The installed command. The sources are TypeScript run as they are, with no build step: tsx's
// require hook (a dependency, like esbuild under it) compiles each module as it is loaded.
require("tsx/cjs/api").register();
require("../tasks/batch-ocr.ts").run(process.argv.slice(2));
