import { type EmulatorHandle, startEmulator } from '../emulator/server.js';
import { type Api, api, b64 } from '../support/http.js';

let emu: EmulatorHandle;
let w: Api;

beforeAll(async () => {
  emu = await startEmulator();
  w = api(emu.url);
});
afterAll(() => emu.stop());

describe('global init scripts', () => {
  test('create, list (no content), get (content), positions shift on insert, update, delete', async () => {
    const a = (await w.post('/api/2.0/global-init-scripts', { name: 'a', script: b64('#!/bin/bash\necho a\n'), enabled: true })).json
      .script_id;
    expect(a).toMatch(/^[0-9A-F]{16}$/);
    const b = (await w.post('/api/2.0/global-init-scripts', { name: 'b', script: b64('echo b'), position: 0 })).json.script_id;
    const list = (await w.get('/api/2.0/global-init-scripts')).json.scripts;
    expect(list.map((s: { name: string; position: number }) => [s.name, s.position])).toEqual([
      ['b', 0],
      ['a', 1],
    ]);
    expect(list[0].script).toBeUndefined();
    expect(list[1]).toMatchObject({ enabled: true, created_by: 'admin@example.com' });
    const got = (await w.get(`/api/2.0/global-init-scripts/${a}`)).json;
    expect(Buffer.from(got.script, 'base64').toString()).toBe('#!/bin/bash\necho a\n');
    expect((await w.patch(`/api/2.0/global-init-scripts/${b}`, { name: 'b2', script: b64('echo b2'), position: 5 })).status).toBe(200);
    const after = (await w.get('/api/2.0/global-init-scripts')).json.scripts;
    expect(after.map((s: { name: string }) => s.name)).toEqual(['a', 'b2']);
    const noScript = await w.patch(`/api/2.0/global-init-scripts/${a}`, { name: 'a' });
    expect(noScript.status).toBe(400);
    expect((await w.delete(`/api/2.0/global-init-scripts/${a}`)).status).toBe(200);
    const missing = await w.get(`/api/2.0/global-init-scripts/${a}`);
    expect(missing.status).toBe(404);
    expect(missing.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const tooBig = await w.post('/api/2.0/global-init-scripts', { name: 'big', script: Buffer.alloc(65 * 1024, 65).toString('base64') });
    expect(tooBig.status).toBe(400);
  });
});
