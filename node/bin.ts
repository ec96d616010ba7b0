#!/usr/bin/env node
/** The `lathe` executable: the platform-neutral CLI on the Node platform. */
import { passes } from '../passes/index.js';
import { runCli } from '../src/cli.js';
import { nodePlatform } from './platform.js';

process.exitCode = await runCli(process.argv.slice(2), nodePlatform, passes);
