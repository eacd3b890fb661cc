#!/usr/bin/env node
// Runs the TypeScript CLI in this same process (no child), so signals reach the service directly.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');
