import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// The layer rule is only worth something while it is live: lint two synthetic files,
// one importing downward (allowed) and one upward (a kind reaching into failover).
describe('layers of shared/', () => {
  // The repository's own layer block, without the type-aware rules (probes are not in tsconfig).
  let eslint: ESLint;
  beforeAll(async () => {
    const config = ((await import(pathToFileURL(resolve('eslint.config.js')).href)) as { default: Linter.Config[] }).default;
    const layerBlock = config.find((block) => block.plugins?.['boundaries'] !== undefined);
    expect(layerBlock).toBeDefined();
    eslint = new ESLint({
      cwd: process.cwd(),
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser } }, layerBlock as Linter.Config],
    });
  });
  const lint = async (path: string, text: string): Promise<string[]> => {
    const [result] = await eslint.lintText(text, { filePath: path });
    return (result?.messages ?? []).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
  };

  test('an upward import fails lint', async () => {
    const messages = await lint(
      'shared/kinds/zzProbe.ts',
      "import type { FailoverState } from '../failover/state.js';\nexport type X = FailoverState;\n",
    );
    expect(messages).toEqual([expect.stringContaining('boundaries/dependencies')]);
    expect(messages[0]).toContain('"kinds" to elements of type "failover"');
  });

  test('a downward import passes, and a file outside every layer fails', async () => {
    expect(
      await lint('shared/failover/zzProbe.ts', "import type { KindName } from '../snapshot/names.js';\nexport type X = KindName;\n"),
    ).toEqual([]);
    expect(await lint('shared/zzProbe.ts', 'export const x = 1;\n')).toEqual([expect.stringContaining('boundaries/no-unknown-files')]);
  });
});
