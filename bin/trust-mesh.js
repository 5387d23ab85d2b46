#!/usr/bin/env node
// The CLI lives in dist/src/cli; this file only starts it so `npx trust-mesh` works from a clone and from npm.
import { main } from '../dist/src/cli/main.js';

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
