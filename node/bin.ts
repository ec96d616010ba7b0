#!/usr/bin/env node
/** The `lathe` executable: the platform-neutral CLI on the Node platform. */
import { runCli } from '../src/cli.js';
import { nodePlatform } from './platform.js';

// Passes load only when `--passes` names them: most runs never need them (start-up time).
const passes = async () => (await import('../passes/index.js')).passes;
process.exitCode = await runCli(process.argv.slice(2), nodePlatform, passes);
