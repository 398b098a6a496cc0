/**
 * A fake of the Actions results backend at `ACTIONS_RESULTS_URL`: the Twirp `ArtifactService`
 * (CreateArtifact, FinalizeArtifact) that `@actions/artifact` talks to, the Twirp `CacheService`
 * (cache service v2: GetCacheEntryDownloadURL, CreateCacheEntry, FinalizeCacheEntryUpload) that
 * `@actions/cache` talks to, and the signed blob URLs they hand out (Azure block blob: one PUT,
 * or PUT blocks then the block list; a plain GET to download).
 *
 * Cache entries follow the service's rules: immutable (a second CreateCacheEntry of a key and
 * version is refused), looked up by exact key, then by each restore key as a prefix (newest entry
 * first), and only among entries of the same version (paths and compression).
 */

import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A cache entry of the fake. */
export interface FakeCacheEntry {
  id: number;
  key: string;
  version: string;
  finalized: boolean;
  /** The archive (tar, zstd- or gzip-compressed). */
  data: Buffer;
}

export interface FakeArtifactService {
  /** For ACTIONS_RESULTS_URL. */
  url: string;
  /** An unsigned JWT with the `Actions.Results` scope, for ACTIONS_RUNTIME_TOKEN. */
  runtimeToken: string;
  created: { name: string; workflowRunBackendId: string }[];
  finalized: { name: string; size: string; hash?: string }[];
  /** The uploaded artefact's bytes (blocks in block-list order). */
  uploaded(): Buffer;
  /** Cache entries, oldest first. */
  caches: FakeCacheEntry[];
  /** Cache service calls in order: method and request body. */
  cacheCalls: { method: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeArtifactService(artifactId = 4242): Promise<FakeArtifactService> {
  const created: FakeArtifactService['created'] = [];
  const finalized: FakeArtifactService['finalized'] = [];
  const blocks = new Map<string, Buffer>();
  let order: string[] = [];
  let base = '';
  const caches: FakeCacheEntry[] = [];
  const cacheCalls: FakeArtifactService['cacheCalls'] = [];
  const cacheBlocks = new Map<number, { blocks: Map<string, Buffer> }>();
  const CACHE_SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const data = await body(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.method === 'POST' && url.pathname === '/twirp/github.actions.results.api.v1.ArtifactService/CreateArtifact') {
      const b = JSON.parse(data.toString('utf8'));
      created.push({ name: b.name, workflowRunBackendId: b.workflowRunBackendId ?? b.workflow_run_backend_id });
      return json(200, { ok: true, signedUploadUrl: `${base}/blob/artifact.zip?sig=fake-signature&se=2099-01-01` });
    }
    if (req.method === 'POST' && url.pathname === '/twirp/github.actions.results.api.v1.ArtifactService/FinalizeArtifact') {
      const b = JSON.parse(data.toString('utf8'));
      finalized.push({ name: b.name, size: String(b.size), hash: b.hash });
      return json(200, { ok: true, artifactId: String(artifactId) });
    }
    if (req.method === 'PUT' && url.pathname === '/blob/artifact.zip') {
      const comp = url.searchParams.get('comp');
      if (comp === 'block') blocks.set(url.searchParams.get('blockid') ?? '', data);
      else if (comp === 'blocklist') order = [...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)<\//g)].map((m) => m[1]);
      else {
        blocks.set('single', data);
        order = ['single'];
      }
      res.writeHead(201, { etag: '"0x1"', 'last-modified': new Date(0).toUTCString(), 'x-ms-request-id': 'fake', 'x-ms-version': '2025-01-05', 'content-length': '0' });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname.startsWith(CACHE_SERVICE)) {
      const method = url.pathname.slice(CACHE_SERVICE.length);
      const b = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      cacheCalls.push({ method, body: b });
      const version = String(b.version);
      if (method === 'GetCacheEntryDownloadURL') {
        const usable = caches.filter((c) => c.finalized && c.version === version);
        const newest = (list: FakeCacheEntry[]) => list.reduce<FakeCacheEntry | undefined>((a, c) => (!a || c.id > a.id ? c : a), undefined);
        let hit = newest(usable.filter((c) => c.key === b.key));
        for (const rk of (b.restore_keys as string[] | undefined) ?? []) hit ??= newest(usable.filter((c) => c.key.startsWith(rk)));
        if (!hit) return json(200, { ok: false });
        return json(200, { ok: true, signed_download_url: `${base}/cacheblob/${hit.id}?sig=fake-download-signature&se=2099-01-01`, matched_key: hit.key });
      }
      if (method === 'CreateCacheEntry') {
        if (caches.some((c) => c.key === b.key && c.version === version)) return json(409, { code: 'already_exists', msg: 'cache entry already exists' });
        const entry: FakeCacheEntry = { id: caches.length + 1, key: String(b.key), version, finalized: false, data: Buffer.alloc(0) };
        caches.push(entry);
        return json(200, { ok: true, signed_upload_url: `${base}/cacheblob/${entry.id}?sig=fake-upload-signature&se=2099-01-01` });
      }
      if (method === 'FinalizeCacheEntryUpload') {
        const entry = caches.find((c) => c.key === b.key && c.version === version && !c.finalized);
        if (!entry || String(entry.data.length) !== String(b.size_bytes)) return json(200, { ok: false, message: `no upload of ${b.size_bytes} bytes for ${b.key}` });
        entry.finalized = true;
        return json(200, { ok: true, entry_id: String(entry.id) });
      }
    }
    const blob = /^\/cacheblob\/(\d+)$/.exec(url.pathname);
    const entry = blob ? caches.find((c) => c.id === Number(blob[1])) : undefined;
    if (entry && req.method === 'GET' && entry.finalized) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(entry.data.length) });
      return res.end(entry.data);
    }
    if (entry && req.method === 'PUT' && !entry.finalized) {
      const comp = url.searchParams.get('comp');
      const staged = cacheBlocks.get(entry.id) ?? { blocks: new Map<string, Buffer>() };
      cacheBlocks.set(entry.id, staged);
      if (comp === 'block') staged.blocks.set(url.searchParams.get('blockid') ?? '', data);
      else if (comp === 'blocklist') {
        const ids = [...data.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)<\//g)].map((m) => m[1]);
        entry.data = Buffer.concat(ids.map((id) => staged.blocks.get(id) ?? Buffer.alloc(0)));
      } else entry.data = data;
      res.writeHead(201, { etag: '"0x2"', 'last-modified': new Date(0).toUTCString(), 'x-ms-request-id': 'fake', 'x-ms-version': '2025-01-05', 'content-length': '0' });
      return res.end();
    }
    json(404, { code: 'not_found', msg: `fake has no ${req.method} ${url.pathname}` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return {
    url: base,
    runtimeToken: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ scp: 'Actions.ExampleScope Actions.Results:run-backend-1:job-backend-1' })}.sig`,
    created,
    finalized,
    uploaded: () => Buffer.concat(order.map((id) => blocks.get(id) ?? Buffer.alloc(0))),
    caches,
    cacheCalls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
