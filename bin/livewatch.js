#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so `npx livewatch` works right after
// `npm install` with no build step. The FC bundles under dist/ are built separately.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
