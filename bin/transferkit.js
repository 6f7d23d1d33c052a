#!/usr/bin/env node
// The CLI from source (cli/main.ts through tsx, a dev dependency): what `npm start`, `npm run train` and the
// tests run, so they always exercise the current sources, never a stale build. The installed package's
// `transferkit` command is the compiled dist/cli/main.js (`npm run build`).
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');
