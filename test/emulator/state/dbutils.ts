import type { Dbfs, MountRecord } from './dbfs.js';

/**
 * A deliberately small interpreter for the only notebook code a DR tool needs to run
 * on a cluster: listing, creating and removing DBFS mounts. It understands these
 * Python statement forms (code may arrive indented, as the Python SDK sends it):
 *
 *     import json                      # imports and comments are ignored
 *     mounts = dbutils.fs.mounts()
 *     dbutils.fs.mount(source="abfss://c@a.dfs.core.windows.net/", mount_point="/mnt/x",
 *                      extra_configs={"k": "v", "s": dbutils.secrets.get(scope="s", key="k")})
 *     dbutils.fs.unmount("/mnt/x")
 *     dbutils.fs.refreshMounts()
 *     print(json.dumps(mounts))         # [[mountPoint, source, encryptionType], ...]
 *     print(json.dumps([{"mountPoint": m.mountPoint, "source": m.source} for m in dbutils.fs.mounts()]))
 *     print(len(dbutils.fs.mounts())) / print("text") / dbutils.notebook.exit(<same expressions>)
 *
 * Anything else is answered with an error result naming the statement, so a caller
 * that relies on unsupported code fails loudly instead of silently passing.
 */
export interface ExecutionResult {
  resultType: 'text' | 'error';
  data?: string;
  summary?: string;
  cause?: string;
}

/** Mounts every Azure workspace has; `dbutils.fs.mounts()` lists them too. */
const BUILT_IN_MOUNTS: Array<[string, string]> = [
  ['/databricks-datasets', 'databricks-datasets'],
  ['/Volumes', 'UnityCatalogVolumes'],
  ['/databricks/mlflow-tracking', 'databricks/mlflow-tracking'],
  ['/databricks-results', 'databricks-results'],
  ['/databricks/mlflow-registry', 'databricks/mlflow-registry'],
  ['/', 'DatabricksRoot'],
];

function dedent(code: string): string {
  const lines = code.replace(/\r\n/g, '\n').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)?.[0].length ?? 0);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Split into statements, joining lines while brackets are open. */
function statements(code: string): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  for (const line of dedent(code).split('\n')) {
    const trimmed = line.trim();
    if (depth === 0 && (trimmed === '' || trimmed.startsWith('#'))) continue;
    current = current === '' ? trimmed : `${current} ${trimmed}`;
    for (const ch of trimmed.replace(/(['"])(?:\\.|(?!\1).)*\1/g, '')) {
      if ('([{'.includes(ch)) depth += 1;
      if (')]}'.includes(ch)) depth -= 1;
    }
    if (depth <= 0) {
      out.push(current);
      current = '';
      depth = 0;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

function stringArg(args: string, name: string, position: number): string | undefined {
  const named = new RegExp(`${name}\\s*=\\s*(['"])((?:\\\\.|(?!\\1).)*)\\1`).exec(args);
  if (named) return named[2];
  const positional = [...args.replace(/\w+\s*=\s*(['"])(?:\\.|(?!\1).)*\1/g, '').matchAll(/(['"])((?:\\.|(?!\1).)*)\1/g)];
  return positional[position]?.[2];
}

function parseExtraConfigs(args: string): Record<string, string> {
  const start = args.indexOf('{');
  if (start < 0) return {};
  const body = args.slice(start + 1, args.lastIndexOf('}'));
  const configs: Record<string, string> = {};
  // "key": "value" or "key": dbutils.secrets.get(scope="s", key="k"), each quote either kind.
  const literal = String.raw`(['"])((?:\\.|(?!\3).)*)\3`;
  const secret = String.raw`dbutils\.secrets\.get\(\s*(?:scope\s*=\s*)?(['"])(.*?)\5\s*,\s*(?:key\s*=\s*)?(['"])(.*?)\7\s*\)`;
  const entry = new RegExp(String.raw`(['"])((?:\\.|(?!\1).)*)\1\s*:\s*(?:` + literal + '|' + secret + ')', 'g');
  for (const m of body.matchAll(entry)) {
    const key = m[2] as string;
    configs[key] = m[4] !== undefined ? m[4] : `{{secrets/${m[6]}/${m[8]}}}`;
  }
  return configs;
}

/** Whether a secret exists; notebooks fail on `dbutils.secrets.get` of a missing one. */
export type SecretLookup = (scope: string, key: string) => boolean;

export function runPython(code: string, dbfs: Dbfs, secretExists: SecretLookup = () => true): ExecutionResult {
  const allMounts = (): Array<[string, string, string]> => [
    ...BUILT_IN_MOUNTS.map(([p, s]) => [p, s, ''] as [string, string, string]),
    ...[...dbfs.mounts.values()].map((m: MountRecord) => [m.mountPoint, m.source, m.encryptionType] as [string, string, string]),
  ];
  const vars = new Map<string, Array<[string, string, string]>>();
  const stdout: string[] = [];

  const evaluate = (expr: string): string | undefined => {
    const e = expr.trim();
    const literal = /^(['"])((?:\\.|(?!\1).)*)\1$/.exec(e);
    if (literal) return (literal[2] as string).replace(/\\(['"\\])/g, '$1');
    const dumpVar = /^json\.dumps\(\s*(\w+)\s*\)$/.exec(e);
    if (dumpVar && vars.has(dumpVar[1] as string)) return JSON.stringify(vars.get(dumpVar[1] as string));
    if (/^json\.dumps\(\s*dbutils\.fs\.mounts\(\)\s*\)$/.test(e)) return JSON.stringify(allMounts());
    const comprehension = /^json\.dumps\(\s*\[\s*\{(.*)\}\s*for\s+(\w+)\s+in\s+dbutils\.fs\.mounts\(\)\s*\]\s*\)$/.exec(e);
    if (comprehension) {
      const fields = [...(comprehension[1] as string).matchAll(/(['"])(\w+)\1\s*:\s*\w+\.(mountPoint|source|encryptionType)/g)];
      return JSON.stringify(
        allMounts().map(([mountPoint, source, encryptionType]) => {
          const values = { mountPoint, source, encryptionType };
          return Object.fromEntries(fields.map((f) => [f[2], values[f[3] as keyof typeof values]]));
        }),
      );
    }
    if (/^len\(\s*dbutils\.fs\.mounts\(\)\s*\)$/.test(e)) return String(allMounts().length);
    if (/^dbutils\.fs\.mounts\(\)$/.test(e)) {
      return `[${allMounts()
        .map(([p, s, t]) => `MountInfo(mountPoint='${p}', source='${s}', encryptionType='${t}')`)
        .join(', ')}]`;
    }
    return undefined;
  };

  for (const statement of statements(code)) {
    if (/^(import\s+\w+(\s*,\s*\w+)*|from\s+[\w.]+\s+import\s+.+)$/.test(statement)) continue;
    if (/^dbutils\.fs\.refreshMounts\(\s*\)$/.test(statement)) continue;
    const assign = /^(\w+)\s*=\s*dbutils\.fs\.mounts\(\s*\)$/.exec(statement);
    if (assign) {
      vars.set(assign[1] as string, allMounts());
      continue;
    }
    const mount = /^dbutils\.fs\.mount\((.*)\)$/.exec(statement);
    if (mount) {
      const args = mount[1] as string;
      const source = stringArg(args, 'source', 0);
      const mountPoint = stringArg(args, 'mount_point', 1);
      if (source === undefined || mountPoint === undefined)
        return pythonError('TypeError', 'mount() missing required arguments: source, mount_point');
      if (!/^\/mnt\/[^/]+/.test(mountPoint))
        return pythonError('IllegalArgumentException', `requirement failed: Mount point must start with /mnt/: ${mountPoint}`);
      const normalized = mountPoint.replace(/\/+$/, '');
      if (dbfs.mounts.has(normalized)) return pythonError('ExecutionError', `Directory already mounted: ${normalized}`);
      for (const m of args.matchAll(/dbutils\.secrets\.get\(\s*(?:scope\s*=\s*)?(['"])(.*?)\1\s*,\s*(?:key\s*=\s*)?(['"])(.*?)\3\s*\)/g)) {
        if (!secretExists(m[2] as string, m[4] as string)) {
          return pythonError('IllegalArgumentException', `Secret does not exist with scope: ${m[2]} and key: ${m[4]}`);
        }
      }
      dbfs.mount({
        mountPoint: normalized,
        source,
        extraConfigs: parseExtraConfigs(args),
        encryptionType: stringArg(args, 'encryption_type', 99) ?? '',
      });
      continue;
    }
    const unmount = /^dbutils\.fs\.unmount\(\s*(?:mount_point\s*=\s*)?(['"])(.*?)\1\s*\)$/.exec(statement);
    if (unmount) {
      const point = (unmount[2] as string).replace(/\/+$/, '');
      if (!dbfs.mounts.has(point)) return pythonError('ExecutionError', `Directory not mounted: ${point}`);
      dbfs.unmount(point);
      continue;
    }
    const call = /^(print|dbutils\.notebook\.exit)\((.*)\)$/.exec(statement);
    if (call) {
      const value = evaluate(call[2] as string);
      if (value === undefined) return unsupported(statement);
      if (call[1] === 'print') {
        stdout.push(value);
        continue;
      }
      return { resultType: 'text', data: value };
    }
    return unsupported(statement);
  }
  return { resultType: 'text', data: stdout.join('\n') };
}

function pythonError(type: string, message: string): ExecutionResult {
  return {
    resultType: 'error',
    summary: `<span class='ansi-red-fg'>${type}</span>: ${message}`,
    cause: `---------------------------------------------------------------------------\n${type}: ${message}`,
  };
}

function unsupported(statement: string): ExecutionResult {
  return pythonError('NotImplementedError', `The Databricks emulator cannot execute this statement: ${statement.slice(0, 200)}`);
}
