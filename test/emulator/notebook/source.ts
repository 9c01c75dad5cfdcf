import type { Cell, Notebook, NotebookLanguage } from './model.js';
import { SYNTAX } from './model.js';

/**
 * The SOURCE format of a notebook (databricks-api.md §1.6, checked against real
 * exports committed in terraform-provider-databricks' acceptance test data):
 *
 *     # Databricks notebook source
 *     print("a")
 *
 *     # COMMAND ----------
 *
 *     # MAGIC %md
 *     # MAGIC ## Notes
 *
 * followed by one trailing newline. The comment token depends on the language (`#`,
 * `//`, `--`). Magic cells have each line prefixed with `<comment> MAGIC ` (an empty
 * line is the bare `<comment> MAGIC`); a titled cell starts with
 * `<comment> DBTITLE 1,<title>` (`DBTITLE 0,` when the title is hidden). Empty
 * cells are kept, and a notebook whose only cell is empty exports as the header line.
 */
export function headerLine(language: NotebookLanguage): string {
  return `${SYNTAX[language].comment} Databricks notebook source`;
}

export function separatorLine(language: NotebookLanguage): string {
  return `${SYNTAX[language].comment} COMMAND ----------`;
}

/** True when the text starts with the SOURCE header of the given language. */
export function hasHeader(text: string, language: NotebookLanguage): boolean {
  const header = headerLine(language);
  return text === header || text.startsWith(header + '\n') || text.startsWith(header + '\r\n');
}

export function renderSource(notebook: Notebook): string {
  const { comment } = SYNTAX[notebook.language];
  const magic = `${comment} MAGIC`;
  const cells = notebook.cells.map((cell) => {
    const lines: string[] = [];
    if (cell.title !== undefined) lines.push(`${comment} DBTITLE ${cell.showTitle === false ? 0 : 1},${cell.title}`);
    if (cell.command.startsWith('%')) {
      for (const line of cell.command.split('\n')) lines.push(line === '' ? magic : `${magic} ${line}`);
    } else {
      lines.push(cell.command);
    }
    return lines.join('\n');
  });
  const body = cells.join(`\n\n${separatorLine(notebook.language)}\n\n`);
  return `${headerLine(notebook.language)}\n${body}${body === '' ? '' : '\n'}`;
}

/**
 * Parse SOURCE text into cells. The header line is optional on import (the server
 * adds it back on export). Parsing inverts `renderSource`, so a notebook exported,
 * imported and exported again is byte-identical.
 */
export function parseSource(text: string, language: NotebookLanguage): Notebook {
  const { comment } = SYNTAX[language];
  let rest = text.replace(/\r\n/g, '\n');
  const header = headerLine(language);
  if (rest === header) rest = '';
  else if (rest.startsWith(`${header}\n`)) rest = rest.slice(header.length + 1);
  if (rest.endsWith('\n')) rest = rest.slice(0, -1);

  const separator = separatorLine(language);
  const magicPrefix = `${comment} MAGIC `;
  const magicBare = `${comment} MAGIC`;
  const titleRe = new RegExp(`^${escapeRegExp(comment)} DBTITLE ([01]),(.*)$`);

  const chunks: string[][] = [[]];
  for (const line of rest.split('\n')) {
    if (line === separator) chunks.push([]);
    else (chunks[chunks.length - 1] as string[]).push(line);
  }
  const cells: Cell[] = chunks.map((chunk, index) => {
    // A separator is written as "\n\n<sep>\n\n": drop the one blank line on each side.
    if (index > 0 && chunk[0] === '') chunk.shift();
    if (index < chunks.length - 1 && chunk[chunk.length - 1] === '') chunk.pop();
    const cell: Cell = { command: '' };
    const title = titleRe.exec(chunk[0] ?? '');
    if (title) {
      chunk.shift();
      cell.title = title[2] as string;
      if (title[1] === '0') cell.showTitle = false;
    }
    const isMagic = chunk.length > 0 && chunk.every((l) => l === magicBare || l.startsWith(magicPrefix));
    cell.command = isMagic ? chunk.map((l) => (l === magicBare ? '' : l.slice(magicPrefix.length))).join('\n') : chunk.join('\n');
    return cell;
  });
  return { language, cells };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
