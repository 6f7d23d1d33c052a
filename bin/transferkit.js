#!/usr/bin/env node
// The CLI is TypeScript run through tsx: no build step, so `npm ci && npm start` works on a fresh clone.
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');
