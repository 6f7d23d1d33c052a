/**
 * A local Hugging Face hub look-alike on 127.0.0.1, for testing the real hub code paths offline.
 *
 * It serves a folder tree:  ROOT/models/<owner>/<name>/<files>  and  ROOT/datasets/<owner>/<name>/<files>
 * under the URL shapes the hub uses:
 *   GET|HEAD /<owner>/<name>/resolve/<rev>/<path>            (models)
 *   GET|HEAD /datasets/<owner>/<name>/resolve/<rev>/<path>   (datasets)
 *   GET /api/{models|datasets}/<owner>/<name>[/revision/<rev>]   repo info with siblings
 *   GET /api/{models|datasets}/<owner>/<name>/tree/<rev>[/<path>][?recursive=true]
 * Every request is logged in `requests`, so tests can assert what was (not) fetched.
 * Commits (create repo, preupload, LFS batch and upload, the NDJSON commit) are accepted as the hub
 * does: see test/helpers/hub-commits.ts. `faults` makes the next requests fail on purpose.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { handleWriteRoutes, privateRepoOf, type WriteState } from './hub-commits.ts';

export const FAKE_COMMIT = 'a'.repeat(40);

export interface HubServer {
  url: string;
  /** `authorization` is the raw header, so tests can check HF_TOKEN was (not) sent. */
  requests: { method: string; url: string; authorization?: string }[];
  /** The token the server accepts for writes and private reads (TEST_HUB_TOKEN unless given). */
  token: string;
  commits: WriteState['commits'];
  privateRepos: Set<string>;
  faults: HubFaults;
  /**
   * The commit each repo's branches are at, by `owner/name` (FAKE_COMMIT unless set). Setting a new one
   * (after changing the repo's files) is `main` moving to a new commit; any revision serves the files now there.
   */
  heads: Map<string, string>;
  close(): Promise<void>;
}

export const TEST_HUB_TOKEN = 'hf_localtesttoken0123456789';

/** Failures for the next matching requests; each counts down `times`. */
export interface HubFaults {
  /** Serve only the first `bytes` of a file whose repo path ends with `path`, then drop the connection. */
  drop?: { path: string; bytes: number; times: number };
  /** Answer requests whose URL contains `urlContains` with this HTTP status. */
  status?: { urlContains: string; code: number; times: number };
}

type RepoKind = 'models' | 'datasets';

export async function startHubServer(root: string, options: { token?: string } = {}): Promise<HubServer> {
  const requests: HubServer['requests'] = [];
  const faults: HubFaults = {};
  const heads = new Map<string, string>();
  let url = '';
  const state: WriteState = { root, url: () => url, token: options.token ?? TEST_HUB_TOKEN, privateRepos: new Set(), commits: [] };
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', authorization: req.headers.authorization });
    handleWithFaults(state, faults, heads, req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    token: state.token,
    commits: state.commits,
    privateRepos: state.privateRepos,
    faults,
    heads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handleWithFaults(state: WriteState, faults: HubFaults, heads: Map<string, string>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const status = faults.status;
  if (status && status.times > 0 && (req.url ?? '').includes(status.urlContains)) {
    status.times--;
    res.statusCode = status.code;
    return json(res, { error: `injected HTTP ${status.code}` });
  }
  const parts = new URL(req.url ?? '/', 'http://localhost').pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (await handleWriteRoutes(state, parts, req, res)) return;
  const privateRepo = privateRepoOf(state, parts);
  if (privateRepo && req.headers.authorization !== `Bearer ${state.token}`) {
    res.statusCode = 401;
    res.setHeader('X-Error-Code', 'RepoNotFound');
    return json(res, { error: 'Repository not found or you are not authenticated' });
  }
  return handle(state.root, req, res, faults, heads);
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse, faults: HubFaults, heads: Map<string, string>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (await handleDataRoutes(root, parts, req, res)) return;

  if (parts[0] === 'api' && (parts[1] === 'models' || parts[1] === 'datasets')) {
    const kind = parts[1] as RepoKind;
    const repo = parts.slice(2, 4).join('/');
    const rest = parts.slice(4);
    const repoDir = join(root, kind, repo);
    if (!(await isDir(repoDir))) return notFound(res, `Repository not found: ${repo}`);
    if (rest[0] === 'tree') {
      const dir = join(repoDir, ...rest.slice(2));
      const recursive = url.searchParams.get('recursive') === 'true' || url.searchParams.get('recursive') === '1';
      return json(res, await listTree(repoDir, dir, recursive));
    }
    if (rest.length === 0 || rest[0] === 'revision') {
      const files = (await listTree(repoDir, repoDir, true)).filter((e) => e.type === 'file');
      return json(res, { id: repo, sha: heads.get(repo) ?? FAKE_COMMIT, siblings: files.map((f) => ({ rfilename: f.path })) });
    }
    return notFound(res, 'Unknown API route');
  }

  const kind: RepoKind = parts[0] === 'datasets' ? 'datasets' : 'models';
  const p = kind === 'datasets' ? parts.slice(1) : parts;
  if (p[2] !== 'resolve' || p.length < 5) return notFound(res, 'Not a resolve URL');
  const file = join(root, kind, p[0], p[1], ...p.slice(4));
  if (!file.startsWith(join(root, kind) + sep)) return notFound(res, 'Bad path');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return entryNotFound(res);
  }
  const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
  res.setHeader('ETag', etag);
  res.setHeader('X-Repo-Commit', heads.get(`${p[0]}/${p[1]}`) ?? FAKE_COMMIT);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/octet-stream');
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${body.length}`);
    body = body.subarray(start, end + 1);
  }
  res.setHeader('Content-Length', String(body.length));
  const drop = faults.drop;
  if (drop && drop.times > 0 && req.method !== 'HEAD' && body.length > drop.bytes && file.endsWith(drop.path)) {
    // A connection lost mid-file: the promised Content-Length never arrives.
    drop.times--;
    res.write(body.subarray(0, drop.bytes), () => res.socket?.destroy());
    return;
  }
  res.end(req.method === 'HEAD' ? undefined : body);
}

interface TreeEntry {
  type: 'file' | 'directory';
  path: string;
  size: number;
  oid: string;
}

async function listTree(repoDir: string, dir: string, recursive: boolean): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const path = relative(repoDir, full).split(sep).join('/');
    if (entry.isDirectory()) {
      out.push({ type: 'directory', path, size: 0, oid: FAKE_COMMIT });
      if (recursive) out.push(...(await listTree(repoDir, full, true)));
    } else {
      const body = await readFile(full);
      out.push({ type: 'file', path, size: (await stat(full)).size, oid: createHash('sha1').update(body).digest('hex') });
    }
  }
  return out;
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

function json(res: ServerResponse, value: unknown): void {
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(value));
}

function notFound(res: ServerResponse, message: string): void {
  res.statusCode = 404;
  res.setHeader('X-Error-Code', 'RepoNotFound');
  json(res, { error: message });
}

function entryNotFound(res: ServerResponse): void {
  res.statusCode = 404;
  res.setHeader('X-Error-Code', 'EntryNotFound');
  json(res, { error: 'Entry not found' });
}

// ---------------------------------------------------------------------------------------------------
// Routes @huggingface/hub's downloadFileToCacheDir needs (added for the data loaders, test/data/hub*):
//   POST /api/{models|datasets}/<owner>/<name>/paths-info/<rev>   body {paths, expand}
//   GET  /api/{models|datasets}/<owner>/<name>/tree/<rev>/<missing folder>   → 404 EntryNotFound
// ---------------------------------------------------------------------------------------------------

async function handleDataRoutes(root: string, parts: string[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  // GET .../tree/<rev>/<missing folder>: 404 EntryNotFound, as the hub answers (not a server error).
  if (req.method === 'GET' && parts[0] === 'api' && parts[4] === 'tree' && parts.length > 6) {
    const folder = join(root, parts[1], parts[2], parts[3], ...parts.slice(6));
    if (await isDir(folder)) return false;
    entryNotFound(res);
    return true;
  }
  if (req.method !== 'POST' || parts[0] !== 'api' || parts[4] !== 'paths-info') return false;
  if (parts[1] !== 'models' && parts[1] !== 'datasets') return false;
  const repoDir = join(root, parts[1], parts[2], parts[3]);
  if (!(await isDir(repoDir))) {
    notFound(res, `Repository not found: ${parts[2]}/${parts[3]}`);
    return true;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const { paths = [], expand = false } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { paths?: string[]; expand?: boolean };
  const infos = [];
  for (const path of paths) {
    const file = join(repoDir, ...path.split('/'));
    if (!file.startsWith(repoDir + sep)) continue;
    const body = await readFile(file).catch(() => null);
    if (!body) continue;
    infos.push({
      type: 'file',
      path,
      size: body.length,
      oid: createHash('sha1').update(body).digest('hex'),
      ...(expand ? { lastCommit: { id: FAKE_COMMIT, title: 'test commit', date: new Date(0).toISOString() } } : {}),
    });
  }
  json(res, infos);
  return true;
}
