// A run that holds an output folder's lock and then hangs (until killed): `node bin/run-ts.js THIS DIR`.
import { lockOutputDir } from '../../src/run/output-lock.ts';

await lockOutputDir(process.argv[2]);
process.stdout.write('locked\n');
setInterval(() => {}, 1 << 30);
