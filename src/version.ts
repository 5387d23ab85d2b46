// The package version, read once from package.json so the CLI, handshake agent and API all report the same one.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const VERSION: string = (require('../../package.json') as { version: string }).version;
