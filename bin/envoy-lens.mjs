#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (no build step; see shared stack recipes §6).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
