#!/usr/bin/env node
// The CLI lives in dist/src/cli; this file only starts it so `npx trust-mesh` works from a clone and from npm.
import { main } from '../dist/src/cli/main.js';

// Output piped into `head` and the like: a closed pipe ends the command quietly, as it does for any Unix tool.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
