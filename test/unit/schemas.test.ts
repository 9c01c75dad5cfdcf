import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as prettier from 'prettier';

import { BackupBodySchema, BackupRequestSchema } from '../../shared/backup/request.js';
import { jsonSchema, RESERVED_KEYS } from '../../shared/codec/schema.js';
import { MappingsSchema, parseMappings } from '../../shared/config/mappings.js';
import { settingsJsonSchema } from '../../shared/config/settings.js';
import { FailoverBodySchema, FailoverRequestSchema } from '../../shared/failover/message.js';
import { ManifestSchema } from '../../shared/snapshot/types.js';

/**
 * docs/schemas/<name>.schema.json are generated from the zod declarations: this test
 * fails when one is stale. `UPDATE_SCHEMAS=1 npm run jest -- test/unit/schemas.test.ts`
 * rewrites them.
 */
const here = dirname(fileURLToPath(import.meta.url));
const DIR = resolve(here, '../../docs/schemas');
const UPDATE = process.env['UPDATE_SCHEMAS'] === '1';

const SCHEMAS: Array<[name: string, build: () => Record<string, unknown>]> = [
  ['failover-message', () => jsonSchema(FailoverRequestSchema)],
  ['failover-request', () => jsonSchema(FailoverBodySchema)],
  ['backup-request', () => jsonSchema(BackupRequestSchema)],
  ['backup-body', () => jsonSchema(BackupBodySchema)],
  ['mappings', () => jsonSchema(MappingsSchema)],
  ['manifest', () => jsonSchema(ManifestSchema)],
  ['settings', settingsJsonSchema],
];

async function render(schema: Record<string, unknown>, path: string): Promise<string> {
  const options = (await prettier.resolveConfig(path)) ?? {};
  return prettier.format(JSON.stringify(schema), { ...options, filepath: path });
}

describe('docs/schemas/*.schema.json are generated from the declarations', () => {
  test.each(SCHEMAS)('%s', async (name, build) => {
    const path = resolve(DIR, `${name}.schema.json`);
    const schema = build();
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof schema['title']).toBe('string');
    const text = await render(schema, path);
    if (UPDATE) {
      mkdirSync(DIR, { recursive: true });
      writeFileSync(path, text);
      return;
    }
    let committed: string | undefined;
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed !== text)
      throw new Error(
        `docs/schemas/${name}.schema.json is ${committed === undefined ? 'missing' : 'stale'}; ` +
          'regenerate it with UPDATE_SCHEMAS=1 npm run jest -- test/unit/schemas.test.ts and commit it.',
      );
  });

  test('queue messages and HTTP bodies refuse unknown fields; manifests keep them', () => {
    for (const build of [FailoverRequestSchema, FailoverBodySchema, BackupRequestSchema, BackupBodySchema, MappingsSchema])
      expect(jsonSchema(build)['additionalProperties']).toBe(false);
    expect(jsonSchema(ManifestSchema)['additionalProperties']).toEqual({});
  });
});

describe('lookup tables of the mappings', () => {
  test.each(RESERVED_KEYS)('refuse "%s" as a name, with its path', (key) => {
    expect(() => parseMappings(`{"nodeTypes": {"${key}": "Standard_D4ds_v5"}}`)).toThrow(
      `The failover mappings are invalid: "nodeTypes.${key}" is reserved and cannot be a node type name.`,
    );
    expect(() => parseMappings(`{"keyVaults": {"${key}": {"resource_id": "r", "dns_name": "d"}}}`)).toThrow(/is reserved/);
  });

  test('have no prototype, so a snapshot\u2019s "constructor" node type maps to nothing', () => {
    const m = parseMappings('{"nodeTypes": {"Standard_DS3_v2": "Standard_D4ds_v5"}}');
    expect(m.nodeTypes['Standard_DS3_v2']).toBe('Standard_D4ds_v5');
    expect(m.nodeTypes['constructor']).toBeUndefined();
    expect(m.storageAccounts['toString']).toBeUndefined();
    expect(parseMappings(undefined).keyVaults['hasOwnProperty']).toBeUndefined();
  });

  test('name every problem with its path', () => {
    expect(() =>
      parseMappings(
        JSON.stringify({
          keyVaults: { 'kv-prod': { dns_name: 'https://kv-dr.vault.azure.net/' } },
          mounts: [{ mountPoint: '/mnt/a', source: 's', extra: 1 }],
        }),
      ),
    ).toThrow(
      'The failover mappings are invalid: unknown field(s) mounts[0].extra (known: mountPoint, source, extraConfigs); ' +
        '"keyVaults.kv-prod.resource_id" is missing; ' +
        'it must be the resource id of the vault in the DR region, e.g. "/subscriptions/…/providers/Microsoft.KeyVault/vaults/kv-dr".',
    );
  });
});
