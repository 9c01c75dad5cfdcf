import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
});
afterAll(() => emu.stop());

const MB = 1024 * 1024;

describe('DBFS', () => {
  test('put, get-status, list, read; dbfs: prefix and implicit parents', async () => {
    expect(
      (await w.post('/api/2.0/dbfs/put', { path: 'dbfs:/FileStore/a/b/hello.txt', contents: b64('hello'), overwrite: false })).status,
    ).toBe(200);
    const status = (await w.get('/api/2.0/dbfs/get-status', { path: '/FileStore/a/b/hello.txt' })).json;
    expect(status).toMatchObject({ path: '/FileStore/a/b/hello.txt', is_dir: false, file_size: 5 });
    expect(typeof status.modification_time).toBe('number');
    const dir = (await w.get('/api/2.0/dbfs/get-status', { path: '/FileStore/a' })).json;
    expect(dir).toMatchObject({ is_dir: true, file_size: 0 });
    expect((await w.get('/api/2.0/dbfs/list', { path: '/FileStore/a/b' })).json.files).toHaveLength(1);
    expect((await w.get('/api/2.0/dbfs/list', { path: '/FileStore/a/b/hello.txt' })).json.files[0].path).toBe('/FileStore/a/b/hello.txt');
    const read = (await w.get('/api/2.0/dbfs/read', { path: '/FileStore/a/b/hello.txt', offset: 1, length: 3 })).json;
    expect(read).toEqual({ bytes_read: 3, data: b64('ell') });
    const eof = (await w.get('/api/2.0/dbfs/read', { path: '/FileStore/a/b/hello.txt', offset: 5 })).json;
    expect(eof.bytes_read).toBe(0);
    await w.post('/api/2.0/dbfs/mkdirs', { path: '/empty' });
    expect((await w.get('/api/2.0/dbfs/list', { path: '/empty' })).json).toEqual({});
  });

  test('the 1 MB limits: inline put, read length, add-block', async () => {
    const big = Buffer.alloc(MB + 1, 7);
    const put = await w.post('/api/2.0/dbfs/put', { path: '/big.bin', contents: big.toString('base64') });
    expect(put.status).toBe(400);
    expect(put.json).toEqual({
      error_code: 'MAX_BLOCK_SIZE_EXCEEDED',
      message: `The 'contents' data cannot exceed 1048576 bytes. Found: ${MB + 1} bytes. You might want to use streaming upload instead.`,
    });
    const exact = await w.post('/api/2.0/dbfs/put', { path: '/exact.bin', contents: Buffer.alloc(MB, 1).toString('base64') });
    expect(exact.status).toBe(200);
    const read = await w.get('/api/2.0/dbfs/read', { path: '/exact.bin', length: MB + 1 });
    expect(read.status).toBe(400);
    expect(read.json.error_code).toBe('MAX_READ_SIZE_EXCEEDED');
    const handle = (await w.post('/api/2.0/dbfs/create', { path: '/stream.bin', overwrite: true })).json.handle;
    const block = await w.post('/api/2.0/dbfs/add-block', { handle, data: big.toString('base64') });
    expect(block.status).toBe(400);
    expect(block.json.error_code).toBe('MAX_BLOCK_SIZE_EXCEEDED');
  });

  test('streaming upload of 2.5 MB in 1 MB blocks, read back in 1 MB chunks', async () => {
    const data = Buffer.alloc(Math.floor(2.5 * MB));
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 251;
    const { handle } = (await w.post('/api/2.0/dbfs/create', { path: '/databricks/init/large.sh', overwrite: false })).json;
    expect(typeof handle).toBe('number');
    for (let off = 0; off < data.length; off += MB) {
      expect((await w.post('/api/2.0/dbfs/add-block', { handle, data: data.subarray(off, off + MB).toString('base64') })).status).toBe(200);
    }
    expect((await w.post('/api/2.0/dbfs/close', { handle })).status).toBe(200);
    const chunks: Buffer[] = [];
    for (let off = 0; ; off += MB) {
      const r = (await w.get('/api/2.0/dbfs/read', { path: '/databricks/init/large.sh', offset: off, length: MB })).json;
      if (r.bytes_read === 0) break;
      chunks.push(Buffer.from(r.data, 'base64'));
    }
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const closed = await w.post('/api/2.0/dbfs/add-block', { handle, data: b64('x') });
    expect(closed.status).toBe(404);
    expect(closed.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  test('RESOURCE_ALREADY_EXISTS with HTTP 400 on put, create and move', async () => {
    await w.post('/api/2.0/dbfs/put', { path: '/x.txt', contents: b64('1') });
    for (const r of [
      await w.post('/api/2.0/dbfs/put', { path: '/x.txt', contents: b64('2') }),
      await w.post('/api/2.0/dbfs/create', { path: '/x.txt' }),
    ]) {
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        error_code: 'RESOURCE_ALREADY_EXISTS',
        message: 'A file or directory already exists at the input path dbfs:/x.txt.',
      });
    }
    await w.post('/api/2.0/dbfs/put', { path: '/y.txt', contents: b64('y') });
    const move = await w.post('/api/2.0/dbfs/move', { source_path: '/y.txt', destination_path: '/x.txt' });
    expect(move.status).toBe(400);
    expect(move.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await w.post('/api/2.0/dbfs/put', { path: '/x.txt', contents: b64('2'), overwrite: true })).status).toBe(200);
    expect((await w.post('/api/2.0/dbfs/move', { source_path: '/y.txt', destination_path: '/moved/y.txt' })).status).toBe(404);
    await w.post('/api/2.0/dbfs/mkdirs', { path: '/moved' });
    expect((await w.post('/api/2.0/dbfs/move', { source_path: '/y.txt', destination_path: '/moved/y.txt' })).status).toBe(200);
    const mkdirOverFile = await w.post('/api/2.0/dbfs/mkdirs', { path: '/x.txt/sub' });
    expect(mkdirOverFile.status).toBe(400);
    expect(mkdirOverFile.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  test('missing paths echo the path as sent; delete semantics', async () => {
    const missing = await w.get('/api/2.0/dbfs/get-status', { path: 'dbfs:/nope/' });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No file or directory exists on path dbfs:/nope/.' });
    expect((await w.post('/api/2.0/dbfs/delete', { path: '/nope' })).status).toBe(200);
    const notEmpty = await w.post('/api/2.0/dbfs/delete', { path: '/FileStore/a' });
    expect(notEmpty.status).toBe(400);
    expect(notEmpty.json).toEqual({
      error_code: 'IO_ERROR',
      message: 'Cannot delete a non-empty directory dbfs:/FileStore/a; use recursive=true.',
    });
    expect((await w.post('/api/2.0/dbfs/delete', { path: '/FileStore/a', recursive: true })).status).toBe(200);
    expect((await w.get('/api/2.0/dbfs/get-status', { path: '/FileStore/a/b/hello.txt' })).status).toBe(404);
    const readDir = await w.get('/api/2.0/dbfs/read', { path: '/FileStore' });
    expect(readDir.status).toBe(400);
    expect(readDir.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  test('multipart put', async () => {
    const form = new FormData();
    form.append('path', '/multi.txt');
    form.append('contents', new Blob([Buffer.from('from multipart')]), 'contents');
    form.append('overwrite', 'true');
    expect((await w.post('/api/2.0/dbfs/put', undefined, { form, body: undefined })).status).toBe(200);
    expect(Buffer.from((await w.get('/api/2.0/dbfs/read', { path: '/multi.txt' })).json.data, 'base64').toString()).toBe('from multipart');
  });

  test('mount points show under /mnt; the REST API cannot look inside them', async () => {
    emu.workspace.dbfs.mount({
      mountPoint: '/mnt/raw',
      source: 'abfss://raw@acct.dfs.core.windows.net/',
      extraConfigs: {},
      encryptionType: '',
    });
    const mnt = (await w.get('/api/2.0/dbfs/list', { path: '/mnt' })).json.files;
    expect(mnt).toEqual([expect.objectContaining({ path: '/mnt/raw', is_dir: true, file_size: 0 })]);
    const inside = await w.get('/api/2.0/dbfs/list', { path: '/mnt/raw' });
    expect(inside.status).toBe(400);
    expect(inside.json.error_code).toBe('IO_ERROR');
  });
});
