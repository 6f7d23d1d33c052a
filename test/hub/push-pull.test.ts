import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFinetuneConfig, runFinetune } from '../../src/index.ts';
import { startHubServer, type HubServer } from '../helpers/hub-server.ts';
import { scratchFolder, writeFixture } from '../helpers/tiny-model.ts';

const exec = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');
const REPO = 'alice/tiny-nli';

/** Every file under `dir` (symlinks followed by readFile), for "the token is written nowhere". */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => join(e.parentPath, e.name));
}

describe('push a trained checkpoint to the (local) hub, pull it into a fresh cache, predict the same', () => {
  const scratch = scratchFolder('transferkit-push-');
  let server: HubServer;
  const outputs: string[] = [];
  let checkpoint = '';
  let input = '';

  /** The CLI from source, with a clean hub environment plus `env`; its output is kept for the token check. */
  async function cli(args: string[], env: Record<string, string>) {
    const result = await exec(process.execPath, [join(repoRoot, 'bin/transferkit.js'), ...args], {
      cwd: scratch.dir,
      env: { ...process.env, HF_TOKEN: '', HF_HUB_OFFLINE: '', HF_ENDPOINT: server.url, ...env },
    });
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  beforeAll(async () => {
    server = await startHubServer(join(scratch.dir, 'hub'));
    process.env.TRANSFERKIT_CACHE = join(scratch.dir, 'producer-cache');
    const run = await runFinetune(
      { ...defaultFinetuneConfig(), model: 'bundled:tiny-bert', outputDir: join(scratch.dir, 'run'), epochs: 1, maxTrainSamples: 200, maxEvalSamples: 60, tfBackend: 'cpu' },
      { emit: () => {} },
    );
    checkpoint = run.checkpoint!;
    input = writeFixture(scratch.dir, 'pairs.tsv', 'premise\thypothesis\nA man sleeps.\tA man is awake.\nTwo dogs run in a park.\tAnimals are outside.\nA woman reads.\tNobody reads.\n');
  });
  afterAll(async () => {
    await server?.close();
  });

  it('push makes the hub requests @huggingface/hub makes, weights through LFS, with a model card', async () => {
    const { stdout } = await cli(['push', '--checkpoint', join(scratch.dir, 'run'), '--repo', REPO, '--commit-message', 'first model'], {
      HF_TOKEN: server.token,
      HF_HOME: join(scratch.dir, 'producer-hf'),
    });
    expect(stdout).toContain(`pushed README.md, manifest.json, weights.bin to ${server.url}/${REPO}`);
    const writes = server.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD').map((r) => `${r.method} ${r.url.replace(/[0-9a-f]{64}/, '<sha256>')}`);
    expect(writes).toEqual([
      'POST /api/repos/create',
      `POST /api/models/${REPO}/preupload/main`,
      `POST /${REPO}.git/info/lfs/objects/batch`,
      'PUT /lfs-upload/<sha256>',
      `POST /api/models/${REPO}/commit/main`,
    ]);
    expect(server.requests.every((r) => r.authorization === `Bearer ${server.token}`)).toBe(false); // the LFS PUT goes to storage without it
    const [commit] = server.commits;
    expect(commit.lines.map((l) => `${l.key}:${l.value.path ?? l.value.summary}`)).toEqual(['header:first model', 'file:README.md', 'file:manifest.json', 'lfsFile:weights.bin']);

    const card = await readFile(join(scratch.dir, 'hub', 'models', REPO, 'README.md'), 'utf8');
    const front = card.split('---\n')[1];
    expect(front).toContain('library_name: transferkit\n');
    expect(front).toContain('pipeline_tag: text-classification\n');
    expect(front).toContain('metrics:\n- accuracy\n- f1\n');
    expect(front).not.toContain('base_model'); // the bundled model is not on the hub
    expect(front).toMatch(/- task:\n {6}type: text-classification\n {4}dataset:\n {6}name: "validation"/);
    expect(card).toContain(`TransferModel.loadFromCheckpoint('hub:${REPO}')`);
    expect(card).toMatch(/\| validation \| bundled:nli-tiny\/validation \| 60 \| \d+\.\d\d% \|/);
    // The pushed files are the checkpoint's, byte for byte.
    for (const file of ['manifest.json', 'weights.bin']) {
      expect(await readFile(join(scratch.dir, 'hub', 'models', REPO, file))).toEqual(await readFile(join(checkpoint, file)));
    }
  });

  it('pull into a fresh cache, then predict gives identical probabilities, online and with HF_HUB_OFFLINE=1', async () => {
    const consumer = { HF_HOME: join(scratch.dir, 'consumer-hf'), TRANSFERKIT_CACHE: join(scratch.dir, 'consumer-cache') };
    const pulled = await cli(['pull', REPO], consumer);
    expect(pulled.stdout).toContain(`checkpoint ${REPO}@main is in the cache: ${join(consumer.HF_HOME, 'hub', 'models--alice--tiny-nli', 'snapshots')}`);
    expect(pulled.stderr).toMatch(/downloading \d+\/\d+ bytes/);

    await cli(['predict', '--checkpoint', checkpoint, '--input', input, '--output', 'local.jsonl'], {});
    await cli(['predict', '--checkpoint', `hub:${REPO}`, '--input', input, '--output', 'hub.jsonl'], consumer);
    const local = await readFile(join(scratch.dir, 'local.jsonl'), 'utf8');
    expect(local.split('\n').filter(Boolean)).toHaveLength(3);
    expect(await readFile(join(scratch.dir, 'hub.jsonl'), 'utf8')).toBe(local);

    const before = server.requests.length;
    await cli(['predict', '--checkpoint', `hub:${REPO}`, '--input', input, '--output', 'offline.jsonl'], { ...consumer, HF_HUB_OFFLINE: '1' });
    expect(await readFile(join(scratch.dir, 'offline.jsonl'), 'utf8')).toBe(local);
    expect(server.requests.length).toBe(before);
  });

  it('finetune --push-to-hub pushes the kept checkpoint after the run; without a token it fails before training', async () => {
    const args = ['finetune', '--model', 'bundled:tiny-bert', '--epochs', '1', '--max-train-samples', '64', '--max-eval-samples', '32', '--max-length', '32', '--no-ui', '--push-to-hub', 'alice/from-finetune'];
    const refused = await cli([...args, '--output-dir', 'refused'], { HF_HOME: join(scratch.dir, 'nobody-hf') }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 2, stderr: 'error: --push-to-hub: pushing needs a Hugging Face token with write access: set HF_TOKEN, pass --token-file FILE, or log in with huggingface-cli (it writes $HF_HOME/token)\n' });
    expect(existsSync(join(scratch.dir, 'refused'))).toBe(false);

    const { stderr } = await cli([...args, '--output-dir', 'pushed'], { HF_TOKEN: server.token, TRANSFERKIT_CACHE: join(scratch.dir, 'producer-cache') });
    expect(stderr).toContain(`pushed README.md, manifest.json, weights.bin to ${server.url}/alice/from-finetune`);
    const pushed = join(scratch.dir, 'hub', 'models', 'alice', 'from-finetune');
    expect(await readFile(join(pushed, 'manifest.json'))).toEqual(await readFile(join(scratch.dir, 'pushed', 'checkpoint', 'best', 'manifest.json')));
  });

  it('the token appears in no output and no file', async () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) expect(output).not.toContain(server.token);
    const files = (await allFiles(scratch.dir)).filter((file) => !file.includes(join(scratch.dir, 'hub') + '/'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect((await readFile(file)).includes(server.token), file).toBe(false);
  });
});
