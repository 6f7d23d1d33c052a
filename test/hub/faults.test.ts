import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransferKitError } from '../../src/errors.ts';
import { initTf } from '../../src/heads/backend.ts';
import { pullCheckpoint } from '../../src/checkpoint/hub.ts';
import { DOWNLOAD_ATTEMPTS } from '../../src/hub/download.ts';
import { pushCheckpoint } from '../../src/checkpoint/push.ts';
import { checkpointFolder } from '../../src/checkpoint/folder-store.ts';
import { defaultTrainConfig, fit } from '../../src/train/index.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { scratchFolder } from '../helpers/tiny-model.ts';
import { blobs } from '../train/synthetic.ts';

const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('should have failed'), (error: unknown) => error as TransferKitError);

/** Every file in the cache, relative, so a test can see that no partial download was left behind. */
async function cacheFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('hub faults: clear errors, bounded retries, no partial file in the cache, no token anywhere', () => {
  const scratch = scratchFolder('transferkit-hub-faults-');
  let server: HubServer;
  let checkpoint = '';
  let cacheCount = 0;
  const hfHome = () => join(scratch.dir, `hf-${cacheCount}`);
  const hubCache = () => join(hfHome(), 'hub');

  beforeAll(async () => {
    await initTf('cpu');
    // A head-only checkpoint (no backbone): enough to push and pull, and fast.
    const data = blobs(60, 4, 3, 7);
    const result = await fit({ train: { features: data.features, labels: data.labels }, validation: {}, labelNames: ['a', 'b', 'c'], head: { type: 'linear' }, config: { ...defaultTrainConfig(), epochs: 1 }, checkpoints: checkpointFolder(join(scratch.dir, 'ckpt')), tfBackend: 'cpu' });
    result.head.dispose();
    checkpoint = result.lastCheckpoint!;
    server = await startHubServer(join(scratch.dir, 'hub'));
    await cp(checkpoint, join(scratch.dir, 'hub', 'models', 'team', 'public'), { recursive: true });
  });
  beforeEach(() => {
    cacheCount++;
    vi.stubEnv('HF_ENDPOINT', server.url);
    vi.stubEnv('HF_HOME', hfHome());
    vi.stubEnv('HF_TOKEN', '');
    vi.stubEnv('HF_HUB_OFFLINE', '');
  });
  afterEach(() => {
    server.faults.drop = undefined;
    server.faults.status = undefined;
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('push without a token: a usage error before any request', async () => {
    const before = server.requests.length;
    const error = await failure(pushCheckpoint({ checkpoint, repo: 'alice/x' }));
    expect(error.kind).toBe('usage');
    expect(error.message).toContain('needs a Hugging Face token with write access: set HF_TOKEN, pass --token-file FILE');
    expect(server.requests.length).toBe(before);
  });

  it('push with a token that has no write access: HTTP 403 named, token not shown', async () => {
    vi.stubEnv('HF_TOKEN', 'hf_someoneelse');
    const error = await failure(pushCheckpoint({ checkpoint, repo: 'alice/x' }));
    expect(error.message).toBe(`access to model alice/x on ${server.url} was refused (HTTP 403); the token has no access to it`);
  });

  it('the token comes from --token-file, else HF_TOKEN, else $HF_HOME/token; a malformed one is refused without echoing it', async () => {
    const { writeFile, mkdir } = await import('node:fs/promises');
    await mkdir(hfHome(), { recursive: true });
    await writeFile(join(hfHome(), 'token'), `${server.token}\n`);
    const viaLogin = await pushCheckpoint({ checkpoint, repo: 'alice/from-login' });
    expect(viaLogin.files).toEqual(['README.md', 'manifest.json', 'weights.bin', 'optimizer.bin']);
    const tokenFile = join(scratch.dir, 'bad-token');
    await writeFile(tokenFile, 'not-a-token-secret');
    const error = await failure(pushCheckpoint({ checkpoint, repo: 'alice/x', tokenFile }));
    expect(error.line).toBe(`--token-file: the token file ${tokenFile} does not hold a Hugging Face token (they start with 'hf_')`);
    expect(error.message).not.toContain('not-a-token-secret');
  });

  it('a private repo without a token: HTTP 401 with what to do', async () => {
    server.privateRepos.add('team/public');
    try {
      const error = await failure(pullCheckpoint({ repo: 'team/public', revision: 'main' }));
      expect(error.message).toBe(`access to model team/public@main on ${server.url} was refused (HTTP 401); set HF_TOKEN (or --token-file, or log in with huggingface-cli) for gated or private models`);
      vi.stubEnv('HF_TOKEN', server.token);
      await expect(pullCheckpoint({ repo: 'team/public', revision: 'main' })).resolves.toContain('snapshots');
    } finally {
      server.privateRepos.delete('team/public');
    }
  });

  it('a missing repo: HTTP 404 naming it', async () => {
    const error = await failure(pullCheckpoint({ repo: 'team/nothing', revision: 'main' }));
    expect(error.kind).toBe('input');
    expect(error.message).toBe(`model team/nothing@main not found on ${server.url} (HTTP 404; private models need a token)`);
  });

  it('a 5xx on the repo info: the status and the hub message', async () => {
    server.faults.status = { urlContains: '/api/models/team/public', code: 500, times: 1 };
    const error = await failure(pullCheckpoint({ repo: 'team/public', revision: 'main' }));
    expect(error.message).toBe(`the hub at ${server.url} answered HTTP 500: injected HTTP 500`);
  });

  it('a connection dropped mid-file (or a 503) is retried; the cache then holds whole files only', async () => {
    server.faults.drop = { path: 'weights.bin', bytes: 16, times: 1 };
    const dir = await pullCheckpoint({ repo: 'team/public', revision: 'main' }, { retryDelayMs: 10 });
    expect(server.faults.drop.times).toBe(0);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(dir, 'weights.bin'))).toEqual(await readFile(join(checkpoint, 'weights.bin')));
    expect((await cacheFiles(hubCache())).filter((f) => f.endsWith('.incomplete'))).toEqual([]);

    cacheCount++;
    vi.stubEnv('HF_HOME', hfHome());
    server.faults.status = { urlContains: '/resolve/', code: 503, times: 1 };
    await expect(pullCheckpoint({ repo: 'team/public', revision: 'main' }, { retryDelayMs: 10 })).resolves.toContain('snapshots');
  });

  it(`a connection that keeps dropping fails after ${DOWNLOAD_ATTEMPTS} attempts, leaving no partial file`, async () => {
    server.faults.drop = { path: 'weights.bin', bytes: 16, times: 100 };
    const error = await failure(pullCheckpoint({ repo: 'team/public', revision: 'main' }, { retryDelayMs: 10 }));
    expect(100 - server.faults.drop.times).toBe(DOWNLOAD_ATTEMPTS);
    expect(error.message).toMatch(new RegExp(`^downloading weights\\.bin of team/public@main from ${server.url.replace(/\./g, '\\.')} failed: .+ \\(the cache holds no partial file; run again to retry\\)$`));
    const files = await cacheFiles(hubCache());
    expect(files.filter((f) => f.endsWith('.incomplete'))).toEqual([]);
    expect(files.filter((f) => f.includes('weights.bin'))).toEqual([]);
  });
});
