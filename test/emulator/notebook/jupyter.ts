import type { Cell, Notebook, NotebookLanguage } from './model.js';

/**
 * The JUPYTER (.ipynb, nbformat 4) rendering of a notebook, with the Databricks
 * metadata keys the real export carries. `%md` cells become markdown cells; other
 * magic cells stay code cells with their magic line.
 */
const NOTEBOOK_KEY = 'application/vnd.databricks.v1+notebook';
const CELL_KEY = 'application/vnd.databricks.v1+cell';

function splitLines(text: string): string[] {
  if (text === '') return [];
  const parts = text.split('\n');
  return parts.map((line, i) => (i < parts.length - 1 ? `${line}\n` : line)).filter((l) => l !== '');
}

export function renderJupyter(notebook: Notebook, name: string, cellIds: (index: number) => string): string {
  const cells = notebook.cells.map((cell, index) => {
    const markdown = cell.command === '%md' || cell.command.startsWith('%md\n') || cell.command.startsWith('%md ');
    const source = markdown ? cell.command.replace(/^%md ?\n?/, '') : cell.command;
    const metadata = {
      [CELL_KEY]: {
        cellMetadata: {},
        inputWidgets: {},
        nuid: cellIds(index),
        showTitle: cell.title !== undefined && cell.showTitle !== false,
        title: cell.title ?? '',
      },
    };
    return markdown
      ? { cell_type: 'markdown', metadata, source: splitLines(source) }
      : { cell_type: 'code', execution_count: 0, metadata, outputs: [], source: splitLines(source) };
  });
  const doc = {
    cells,
    metadata: {
      [NOTEBOOK_KEY]: {
        dashboards: [],
        environmentMetadata: null,
        language: notebook.language.toLowerCase(),
        notebookMetadata: { pythonIndentUnit: 4 },
        notebookName: name,
        widgets: {},
      },
      ...(notebook.language === 'PYTHON' ? { language_info: { name: 'python' } } : {}),
    },
    nbformat: 4,
    nbformat_minor: 0,
  };
  // Databricks writes .ipynb the way nbformat does: 1-space indent, sorted keys.
  return JSON.stringify(sortKeys(doc), null, 1);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export class JupyterParseError extends Error {}

/** Parse an .ipynb document; throws JupyterParseError when it is not one. */
export function parseJupyter(text: string, fallback: NotebookLanguage = 'PYTHON'): Notebook {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new JupyterParseError('Content is not a valid Jupyter notebook (not JSON).');
  }
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { cells?: unknown }).cells)) {
    throw new JupyterParseError('Content is not a valid Jupyter notebook (no cells).');
  }
  const meta = (doc as { metadata?: Record<string, unknown> }).metadata ?? {};
  const dbMeta = meta[NOTEBOOK_KEY] as { language?: string } | undefined;
  const languageName = (dbMeta?.language ?? (meta['language_info'] as { name?: string } | undefined)?.name ?? '').toUpperCase();
  const language: NotebookLanguage = ['PYTHON', 'SCALA', 'SQL', 'R'].includes(languageName) ? (languageName as NotebookLanguage) : fallback;
  const cells: Cell[] = [];
  for (const raw of (doc as { cells: unknown[] }).cells) {
    const c = raw as { cell_type?: string; source?: string | string[]; metadata?: Record<string, unknown> };
    const source = Array.isArray(c.source) ? c.source.join('') : (c.source ?? '');
    const cellMeta = c.metadata?.[CELL_KEY] as { title?: string; showTitle?: boolean } | undefined;
    const command = c.cell_type === 'markdown' ? (source === '' ? '%md' : `%md\n${source}`) : source;
    const cell: Cell = { command };
    if (cellMeta?.title) {
      cell.title = cellMeta.title;
      if (!cellMeta.showTitle) cell.showTitle = false;
    }
    cells.push(cell);
  }
  return { language, cells };
}
