import { unzipSync, zipSync } from 'fflate';

import type { Notebook } from './model.js';
import { SYNTAX } from './model.js';

/**
 * A DBC archive: a zip whose entries are JSON notebooks (`<name>.python`, `.scala`,
 * `.sql`, `.r`) under the exported folder's name. Only the fields a reader needs are
 * filled; outputs are always empty, as they would be for a notebook that never ran.
 */
export interface DbcEntry {
  /** Path inside the archive, relative to the exported root, without extension. */
  relativePath: string;
  name: string;
  objectId: bigint;
  notebook: Notebook;
}

function notebookJson(entry: DbcEntry, guid: (seed: string) => string): string {
  const commands = entry.notebook.cells.map((cell, index) => ({
    version: 'CommandV1',
    origId: Number(entry.objectId % 1_000_000_000n) + index + 1,
    guid: guid(`${entry.relativePath}#${index}`),
    subtype: 'command',
    commandType: 'auto',
    position: index + 1.0,
    command: cell.command,
    commandVersion: 0,
    state: 'finished',
    results: null,
    errorSummary: null,
    error: null,
    startTime: 0,
    submitTime: 0,
    finishTime: 0,
    collapsed: false,
    bindings: {},
    inputWidgets: {},
    commandTitle: cell.title ?? '',
    showCommandTitle: cell.title !== undefined && cell.showTitle !== false,
    hideCommandCode: false,
    hideCommandResult: false,
    nuid: guid(`${entry.relativePath}#nuid${index}`),
  }));
  return JSON.stringify(
    {
      version: 'NotebookV1',
      origId: entry.objectId,
      name: entry.name,
      language: entry.notebook.language.toLowerCase(),
      commands,
      dashboards: [],
      guid: guid(entry.relativePath),
      globalVars: {},
      iPythonMetadata: null,
      inputWidgets: {},
      notebookMetadata: {},
    },
    (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v),
  );
}

export function renderDbc(rootName: string, entries: DbcEntry[], guid: (seed: string) => string): Uint8Array {
  const files: Record<string, Uint8Array> = {
    'manifest.mf': new TextEncoder().encode(
      JSON.stringify({ version: 'Manifest', guid: guid(`manifest:${rootName}`), origId: -1, name: 'manifest.mf' }),
    ),
  };
  for (const entry of entries) {
    const prefix = rootName === '' ? '' : `${rootName}/`;
    const name = `${prefix}${entry.relativePath}${SYNTAX[entry.notebook.language].dbcExtension}`;
    files[name] = new TextEncoder().encode(notebookJson(entry, guid));
  }
  // A fixed mtime keeps the archive deterministic for a given workspace state.
  return zipSync(files, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
}

export class DbcParseError extends Error {}

/** Notebooks found in a DBC archive, with paths relative to the archive root. */
export function parseDbc(bytes: Uint8Array): Array<{ relativePath: string; notebook: Notebook }> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch {
    throw new DbcParseError('The zip archive is not valid.');
  }
  const out: Array<{ relativePath: string; notebook: Notebook }> = [];
  for (const [name, data] of Object.entries(entries)) {
    const m = /^(.*)\.(python|scala|sql|r)$/.exec(name);
    if (!m) continue;
    let doc: {
      language?: string;
      commands?: Array<{ command?: string; position?: number; commandTitle?: string; showCommandTitle?: boolean }>;
    };
    try {
      doc = JSON.parse(new TextDecoder().decode(data)) as typeof doc;
    } catch {
      throw new DbcParseError(`Archive entry ${name} is not a notebook.`);
    }
    const language = ({ python: 'PYTHON', scala: 'SCALA', sql: 'SQL', r: 'R' } as const)[m[2] as 'python' | 'scala' | 'sql' | 'r'];
    const commands = [...(doc.commands ?? [])].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    out.push({
      relativePath: m[1] as string,
      notebook: {
        language,
        cells: commands.map((c) => {
          const cell: { command: string; title?: string; showTitle?: boolean } = { command: c.command ?? '' };
          if (c.commandTitle) {
            cell.title = c.commandTitle;
            if (!c.showCommandTitle) cell.showTitle = false;
          }
          return cell;
        }),
      },
    });
  }
  if (out.length === 0) throw new DbcParseError('The zip archive contains no items.');
  return out;
}
