/**
 * A fake of the Actions artefact backend that `@actions/artifact` talks to: the Twirp
 * `ArtifactService` (CreateArtifact, FinalizeArtifact) at `ACTIONS_RESULTS_URL`, and the signed
 * blob URL it hands out (Azure block blob: PUT blocks, then PUT the block list).
 */

import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeArtifactService {
  /** For ACTIONS_RESULTS_URL. */
  url: string;
  /** An unsigned JWT with the `Actions.Results` scope, for ACTIONS_RUNTIME_TOKEN. */
  runtimeToken: string;
  created: { name: string; workflowRunBackendId: string }[];
  finalized: { name: string; size: string; hash?: string }[];
  /** The uploaded artefact's bytes (blocks in block-list order). */
  uploaded(): Buffer;
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
