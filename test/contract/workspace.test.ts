import { unzipSync } from 'fflate';

import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
});
afterAll(() => emu.stop());

const PY = '# Databricks notebook source\nprint("a")\n\n# COMMAND ----------\n\n# MAGIC %md\n# MAGIC ## Notes\n# MAGIC\n# MAGIC done\n';

describe('workspace import and export', () => {
  test('SOURCE round trip is byte-exact in every language', async () => {
    await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/rt' });
    const sources = {
      PYTHON: PY,
      SCALA:
        '// Databricks notebook source\nval x = 1\n\n// COMMAND ----------\n\n// DBTITLE 1,Title here\n// MAGIC ' +
        '%python\n// MAGIC print(1)\n',
      SQL: '-- Databricks notebook source\nSELECT 1\n\n-- COMMAND ----------\n\n-- DBTITLE 0,hidden title\nSELECT 2\n',
      R:
        '# Databricks notebook source\nprint("Hello World!", quote = FALSE)\n\n# COMMAND ----------\n\n' +
        'print(paste("How","are","you?"))\n\n# COMMAND ----------\n\n\n',
    };
    for (const [language, source] of Object.entries(sources)) {
      const path = `/Shared/rt/${language.toLowerCase()} notebook ü`;
      const imported = await w.post('/api/2.0/workspace/import', { path, content: b64(source), language, format: 'SOURCE' });
      expect(imported.status).toBe(200);
      expect(typeof imported.json.object_id).toBe('number');
      const exported = await w.get('/api/2.0/workspace/export', { path, format: 'SOURCE' });
      expect(exported.status).toBe(200);
      expect(Buffer.from(exported.json.content, 'base64').toString('utf8')).toBe(source);
      expect(exported.json.file_type).toBe({ PYTHON: 'py', SCALA: 'scala', SQL: 'sql', R: 'r' }[language]);
      const direct = await w.get('/api/2.0/workspace/export', { path, direct_download: 'true' });
      expect(direct.bytes.toString('utf8')).toBe(source);
      expect(direct.headers.get('content-type')).toContain('application/octet-stream');
    }
  });

  test('the header is added on export when the import had none; a header-only notebook exports as the header', async () => {
    await w.post('/api/2.0/workspace/import', { path: '/Shared/noheader', content: b64('print(1)'), language: 'PYTHON' });
    const out = await w.get('/api/2.0/workspace/export', { path: '/Shared/noheader', direct_download: true });
    expect(out.text).toBe('# Databricks notebook source\nprint(1)\n');
    await w.post('/api/2.0/workspace/import', {
      path: '/Shared/empty',
      content: b64('# Databricks notebook source\n'),
      language: 'PYTHON',
    });
    expect((await w.get('/api/2.0/workspace/export', { path: '/Shared/empty', direct_download: true })).text).toBe(
      '# Databricks notebook source\n',
    );
  });

  test('AUTO import: header + extension makes a notebook without the extension, anything else a file', async () => {
    await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/auto' });
    let r = await w.post('/api/2.0/workspace/import', { path: '/Shared/auto/etl.py', content: b64(PY), format: 'AUTO' });
    expect(r.status).toBe(200);
    expect((await w.get('/api/2.0/workspace/get-status', { path: '/Shared/auto/etl' })).json).toMatchObject({
      object_type: 'NOTEBOOK',
      language: 'PYTHON',
    });
    r = await w.post('/api/2.0/workspace/import', { path: '/Shared/auto/plain.py', content: b64('print(1)\n'), format: 'AUTO' });
    expect(r.status).toBe(200);
    const status = (await w.get('/api/2.0/workspace/get-status', { path: '/Shared/auto/plain.py' })).json;
    expect(status).toMatchObject({ object_type: 'FILE', size: 9 });
    expect(status.language).toBeUndefined();
    await w.post('/api/2.0/workspace/import', {
      path: '/Shared/auto/q.SQL',
      content: b64('-- Databricks notebook source\nSELECT 1\n'),
      format: 'AUTO',
    });
    expect((await w.get('/api/2.0/workspace/get-status', { path: '/Shared/auto/q' })).json.language).toBe('SQL');
    await w.post('/api/2.0/workspace/import', { path: '/Shared/auto/nb-as-file', content: b64(PY), format: 'AUTO' });
    expect((await w.get('/api/2.0/workspace/get-status', { path: '/Shared/auto/nb-as-file' })).json.object_type).toBe('FILE');
  });

  test('JUPYTER export and import', async () => {
    const exported = await w.get('/api/2.0/workspace/export', { path: '/Shared/auto/etl', format: 'JUPYTER' });
    expect(exported.json.file_type).toBe('ipynb');
    const doc = JSON.parse(Buffer.from(exported.json.content, 'base64').toString('utf8'));
    expect(doc.nbformat).toBe(4);
    expect(doc.metadata['application/vnd.databricks.v1+notebook'].language).toBe('python');
    expect(doc.cells.map((c: { cell_type: string }) => c.cell_type)).toEqual(['code', 'markdown']);
    const r = await w.post('/api/2.0/workspace/import', {
      path: '/Shared/auto/from-ipynb',
      content: exported.json.content,
      format: 'JUPYTER',
    });
    expect(r.status).toBe(200);
    const back = await w.get('/api/2.0/workspace/export', { path: '/Shared/auto/from-ipynb', direct_download: true });
    expect(back.text).toBe(PY);
  });

  test('DBC export is a zip of notebook JSON with .python entries and a manifest', async () => {
    const one = await w.get('/api/2.0/workspace/export', { path: '/Shared/auto/etl', format: 'DBC' });
    expect(one.json.file_type).toBe('dbc');
    const files = unzipSync(Buffer.from(one.json.content, 'base64'));
    expect(Object.keys(files).sort()).toEqual(['etl.python', 'manifest.mf']);
    const nb = JSON.parse(new TextDecoder().decode(files['etl.python']));
    expect(nb).toMatchObject({ version: 'NotebookV1', name: 'etl', language: 'python' });
    expect(nb.commands.map((c: { command: string }) => c.command)).toEqual(['print("a")', '%md\n## Notes\n\ndone']);
    const dir = await w.get('/api/2.0/workspace/export', { path: '/Shared/rt', format: 'SOURCE', direct_download: true });
    const entries = Object.keys(unzipSync(dir.bytes));
    expect(entries).toContain('rt/python notebook ü.python');
    expect(entries).toContain('rt/sql notebook ü.sql');
  });

  test('overwrite rules and RESOURCE_ALREADY_EXISTS with HTTP 400', async () => {
    const body = { path: '/Shared/auto/etl', content: b64(PY), language: 'PYTHON' };
    const again = await w.post('/api/2.0/workspace/import', body);
    expect(again.status).toBe(400);
    expect(again.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await w.post('/api/2.0/workspace/import', { ...body, overwrite: true })).status).toBe(200);
    const clash = await w.post('/api/2.0/workspace/import', {
      path: '/Shared/auto/plain.py',
      content: b64(PY),
      language: 'PYTHON',
      overwrite: true,
    });
    expect(clash.status).toBe(400);
    expect(clash.json).toEqual({ error_code: 'RESOURCE_ALREADY_EXISTS', message: "Node named 'plain.py' already exists" });
  });

  test('modified_at moves forward on overwrite; object_id stays', async () => {
    const before = (await w.get('/api/2.0/workspace/get-status', { path: '/Shared/auto/etl' })).json;
    await w.post('/api/2.0/workspace/import', { path: '/Shared/auto/etl', content: b64(PY + '\n'), language: 'PYTHON', overwrite: true });
    const after = (await w.get('/api/2.0/workspace/get-status', { path: '/Shared/auto/etl' })).json;
    expect(after.object_id).toBe(before.object_id);
    expect(after.modified_at).toBeGreaterThan(before.modified_at);
  });

  test('multipart import, as the SDK upload() sends it (file part before fields)', async () => {
    const form = new FormData();
    form.append('content', new Blob([Buffer.from(PY)]), 'content');
    form.append('path', '/Shared/multi');
    form.append('format', 'SOURCE');
    form.append('language', 'PYTHON');
    form.append('overwrite', 'true');
    const r = await w.post('/api/2.0/workspace/import', undefined, { form, body: undefined });
    expect(r.status).toBe(200);
    expect((await w.get('/api/2.0/workspace/export', { path: '/Shared/multi', direct_download: true })).text).toBe(PY);
  });

  test('missing path, missing parent, non-empty delete', async () => {
    const missing = await w.get('/api/2.0/workspace/get-status', { path: '/nope/x' });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Path (/nope/x) doesn't exist." });
    const orphan = await w.post('/api/2.0/workspace/import', { path: '/nope/x', content: b64('x'), format: 'AUTO' });
    expect(orphan.status).toBe(404);
    expect(orphan.json.message).toBe('The parent folder (/nope) does not exist.');
    const del = await w.post('/api/2.0/workspace/delete', { path: '/Shared/auto' });
    expect(del.status).toBe(400);
    expect(del.json.error_code).toBe('DIRECTORY_NOT_EMPTY');
    expect((await w.post('/api/2.0/workspace/delete', { path: '/Shared/auto', recursive: true })).status).toBe(200);
    expect((await w.get('/api/2.0/workspace/get-status', { path: '/Shared/auto/etl' })).status).toBe(404);
  });

  test('mkdirs is idempotent and refuses to pass through a file', async () => {
    expect((await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/a/b/c' })).status).toBe(200);
    expect((await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/a/b/c' })).status).toBe(200);
    await w.post('/api/2.0/workspace/import', { path: '/Shared/a/file.txt', content: b64('hi'), format: 'AUTO' });
    const r = await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/a/file.txt/sub' });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  test('list returns one level, an empty directory as {}, a file as itself; /Workspace prefix is echoed', async () => {
    await w.post('/api/2.0/workspace/mkdirs', { path: '/Shared/emptydir' });
    expect((await w.get('/api/2.0/workspace/list', { path: '/Shared/emptydir' })).json).toEqual({});
    const file = await w.get('/api/2.0/workspace/list', { path: '/Shared/a/file.txt' });
    expect(file.json.objects).toHaveLength(1);
    expect(file.json.objects[0]).toMatchObject({ object_type: 'FILE', path: '/Shared/a/file.txt' });
    const prefixed = await w.get('/api/2.0/workspace/list', { path: '/Workspace/Shared/a' });
    expect(prefixed.json.objects.map((o: { path: string }) => o.path)).toEqual(['/Workspace/Shared/a/b', '/Workspace/Shared/a/file.txt']);
    const root = await w.get('/api/2.0/workspace/get-status', { path: '/' });
    expect(root.json).toMatchObject({ object_type: 'DIRECTORY', object_id: 0 });
    for (const o of (await w.get('/api/2.0/workspace/list', { path: '/Shared/a' })).json.objects) {
      expect(o.resource_id).toBe(String(o.object_id));
    }
  });

  test('the 10 MB notebook limit on import and export', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 'a');
    const r = await w.post('/api/2.0/workspace/import', { path: '/Shared/big', content: big.toString('base64'), language: 'PYTHON' });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('MAX_NOTEBOOK_SIZE_EXCEEDED');
    expect(r.json.message).toBe(`File size imported is (${big.length} bytes), exceeded max size (10485760 bytes)`);
    // A notebook just under the import limit grows past it once rendered with its header.
    const body = `# Databricks notebook source\n${'x'.repeat(10 * 1024 * 1024 - 40)}`;
    expect((await w.post('/api/2.0/workspace/import', { path: '/Shared/big', content: b64(body), language: 'PYTHON' })).status).toBe(200);
    emu.workspace.tree.get('/Shared/big').notebook?.cells.push({ command: 'y'.repeat(100) });
    const e = await w.get('/api/2.0/workspace/export', { path: '/Shared/big' });
    expect(e.status).toBe(400);
    expect(e.json.error_code).toBe('BAD_REQUEST');
    expect(e.json.details[0].reason).toBe('MAX_NOTEBOOK_SIZE_EXCEEDED');
  });

  test('LIBRARY objects cannot be exported; notebooks_modified_after filters notebooks', async () => {
    emu.workspace.tree.put('/Shared/lib', { content: Buffer.from('jar'), objectType: 'LIBRARY' }, false);
    const r = await w.get('/api/2.0/workspace/export', { path: '/Shared/lib' });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const all = (await w.get('/api/2.0/workspace/list', { path: '/Shared/rt' })).json.objects;
    const newest = Math.max(...all.map((o: { modified_at: number }) => o.modified_at));
    const later = await w.get('/api/2.0/workspace/list', { path: '/Shared/rt', notebooks_modified_after: newest });
    expect(later.json).toEqual({});
  });

  test('bad requests name the problem', async () => {
    const noPath = await w.get('/api/2.0/workspace/list');
    expect(noPath.status).toBe(400);
    expect(noPath.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    const badFormat = await w.get('/api/2.0/workspace/export', { path: '/Shared/multi', format: 'PDF' });
    expect(badFormat.status).toBe(400);
    const noLang = await w.post('/api/2.0/workspace/import', { path: '/Shared/x', content: b64('print(1)'), format: 'SOURCE' });
    expect(noLang.json.message).toBe('The zip archive contains no items.');
    const badJson = await w.post('/api/2.0/workspace/mkdirs', '{"path": ');
    expect(badJson.status).toBe(400);
    expect(badJson.json.error_code).toBe('MALFORMED_REQUEST');
    const unknown = await w.get('/api/2.0/workspace/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: "No API found for 'GET /api/2.0/workspace/nothing'" });
  });
});

describe('well-known configuration', () => {
  test('serves the workspace id without authentication', async () => {
    const r = await api(emu.url, null).get('/.well-known/databricks-config');
    expect(r.status).toBe(200);
    expect(r.json.workspace_id).toBe(emu.workspace.workspaceId);
  });
});
