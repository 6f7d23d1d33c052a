/**
 * The hub's write side, as @huggingface/hub 2.17.5 calls it (src/lib/create-repo.ts, create-branch.ts,
 * commit.ts), for test/helpers/hub-server.ts:
 *   POST /api/repos/create                               {name, organization, type, visibility} → {url, id}; 409 if it exists
 *   POST /api/models/<owner>/<name>/branch/<branch>      → 200 (branches share the main tree here)
 *   POST /api/models/<owner>/<name>/preupload/<rev>      {files: [{path, size, sample}]} → {files: [{path, uploadMode}]}
 *   POST /<owner>/<name>.git/info/lfs/objects/batch      git-lfs batch {operation: upload, transfers, objects: [{oid, size}]}
 *                                                        → {transfer: basic, objects: [{oid, size, actions: {upload: {href}}}]}
 *   PUT  /lfs-upload/<oid>                               the object's bytes (sha256 checked)
 *   POST /api/models/<owner>/<name>/commit/<rev>         NDJSON: header, then `file` (base64) and `lfsFile` (oid) lines
 * Writes need `Authorization: Bearer <token>` (401 without, 403 with another token than the server's).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';

export const COMMIT_OID = 'c'.repeat(40);

export interface WriteState {
  root: string;
  url: () => string;
  /** The one token the server accepts for writes (and for reading private repos). */
  token: string;
  privateRepos: Set<string>;
  /** The commit bodies received, parsed, for tests to inspect. */
  commits: { repo: string; revision: string; lines: { key: string; value: Record<string, unknown> }[] }[];
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  for (const [key, v] of Object.entries(headers)) res.setHeader(key, v);
  res.end(JSON.stringify(value));
}

/** 401 without a token, 403 with a wrong one; true when the request may go on. */
export function authorized(state: WriteState, req: IncomingMessage, res: ServerResponse): boolean {
  const header = req.headers.authorization;
  if (!header) {
    send(res, 401, { error: 'Invalid credentials in Authorization header' }, { 'X-Error-Code': 'Unauthorized' });
    return false;
  }
  if (header !== `Bearer ${state.token}`) {
    send(res, 403, { error: 'You do not have write access to this repository' });
    return false;
  }
  return true;
}

/** Handles a write route; false when the request is not one. */
export async function handleWriteRoutes(state: WriteState, parts: string[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (method === 'POST' && parts.join('/') === 'api/repos/create') {
    if (!authorized(state, req, res)) return true;
    const body = JSON.parse((await readBody(req)).toString('utf8')) as { name: string; organization?: string; type?: string; visibility?: string };
    const repo = `${body.organization}/${body.name}`;
    const dir = join(state.root, `${body.type ?? 'model'}s`, body.organization ?? '', body.name);
    if (await stat(dir).then(() => true, () => false)) {
      send(res, 409, { error: 'You already created this model repo', url: `${state.url()}/${repo}` });
      return true;
    }
    await mkdir(dir, { recursive: true });
    if (body.visibility === 'private') state.privateRepos.add(repo);
    send(res, 200, { url: `${state.url()}/${repo}`, id: repo });
    return true;
  }
  if (method === 'POST' && parts[0] === 'api' && parts[1] === 'models' && ['branch', 'preupload', 'commit'].includes(parts[4])) {
    if (!authorized(state, req, res)) return true;
    const repo = `${parts[2]}/${parts[3]}`;
    const repoDir = join(state.root, 'models', parts[2], parts[3]);
    if (!(await stat(repoDir).then((s) => s.isDirectory(), () => false))) {
      send(res, 404, { error: `Repository not found: ${repo}` }, { 'X-Error-Code': 'RepoNotFound' });
      return true;
    }
    const body = await readBody(req);
    if (parts[4] === 'branch') return send(res, 200, {}), true;
    if (parts[4] === 'preupload') {
      const { files } = JSON.parse(body.toString('utf8')) as { files: { path: string; size: number; sample: string }[] };
      // The hub sends binaries (a NUL byte in the first 512 bytes) and files over 10 MB through LFS.
      const mode = (f: { size: number; sample: string }) => (f.size > 10_000_000 || Buffer.from(f.sample, 'base64').includes(0) ? 'lfs' : 'regular');
      send(res, 200, { files: files.map((f) => ({ path: f.path, uploadMode: mode(f), shouldIgnore: false })) });
      return true;
    }
    const lines = body.toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { key: string; value: Record<string, unknown> });
    state.commits.push({ repo, revision: decodeURIComponent(parts[5] ?? 'main'), lines });
    for (const { key, value } of lines) {
      const target = join(repoDir, ...String(value.path ?? '').split('/'));
      if (key === 'header') continue;
      if (!target.startsWith(repoDir + sep)) return send(res, 400, { error: 'bad path' }), true;
      await mkdir(dirname(target), { recursive: true });
      if (key === 'file') await writeFile(target, Buffer.from(String(value.content), 'base64'));
      else if (key === 'lfsFile') await copyFile(join(state.root, '.lfs', String(value.oid)), target);
      else return send(res, 400, { error: `unsupported commit line ${key}` }), true;
    }
    send(res, 200, { success: true, commitOid: COMMIT_OID, commitUrl: `${state.url()}/${repo}/commit/${COMMIT_OID}` });
    return true;
  }
  if (method === 'POST' && parts.length === 6 && parts[1].endsWith('.git') && parts.slice(2).join('/') === 'info/lfs/objects/batch') {
    if (!authorized(state, req, res)) return true;
    const { objects } = JSON.parse((await readBody(req)).toString('utf8')) as { objects: { oid: string; size: number }[] };
    const have = async (oid: string) => stat(join(state.root, '.lfs', oid)).then(() => true, () => false);
    const answer = await Promise.all(
      objects.map(async (o) => ({ ...o, ...((await have(o.oid)) ? {} : { actions: { upload: { href: `${state.url()}/lfs-upload/${o.oid}` } } }) })),
    );
    send(res, 200, { transfer: 'basic', objects: answer }, { 'Content-Type': 'application/vnd.git-lfs+json' });
    return true;
  }
  if (method === 'PUT' && parts[0] === 'lfs-upload' && parts.length === 2) {
    const body = await readBody(req);
    if (createHash('sha256').update(body).digest('hex') !== parts[1]) return send(res, 400, { error: 'sha256 mismatch' }), true;
    await mkdir(join(state.root, '.lfs'), { recursive: true });
    await writeFile(join(state.root, '.lfs', parts[1]), body);
    res.statusCode = 200;
    res.end();
    return true;
  }
  return false;
}

/** Reading a private repo needs the token, as on the hub (401 without, 404-like 403 otherwise). */
export function privateRepoOf(state: WriteState, parts: string[]): string | undefined {
  const [a, b, c, d] = parts;
  const repo = a === 'api' ? `${c}/${d}` : a === 'datasets' ? `${b}/${c}` : `${a}/${b}`;
  return state.privateRepos.has(repo) ? repo : undefined;
}
