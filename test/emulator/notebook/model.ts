/** The languages a Databricks notebook can have. */
export type NotebookLanguage = 'PYTHON' | 'SCALA' | 'SQL' | 'R';
export const NOTEBOOK_LANGUAGES: readonly NotebookLanguage[] = ['PYTHON', 'SCALA', 'SQL', 'R'];

/** One command (cell) as the notebook editor holds it. Magic cells keep their `%md` line. */
export interface Cell {
  command: string;
  /** The `DBTITLE` of the cell, when it has one. */
  title?: string;
  /** Whether the title is shown (`DBTITLE 1,`) or only stored (`DBTITLE 0,`). @default true */
  showTitle?: boolean;
}

/** A notebook as the emulator stores it: parsed cells, re-rendered on every export. */
export interface Notebook {
  language: NotebookLanguage;
  cells: Cell[];
}

interface Syntax {
  comment: string;
  /** File extension used by SOURCE exports and AUTO imports. */
  extension: string;
  /** `file_type` reported by a JSON (non-direct) export. */
  fileType: string;
  /** Name suffix of notebooks inside a DBC archive. */
  dbcExtension: string;
}

export const SYNTAX: Record<NotebookLanguage, Syntax> = {
  PYTHON: { comment: '#', extension: '.py', fileType: 'py', dbcExtension: '.python' },
  R: { comment: '#', extension: '.r', fileType: 'r', dbcExtension: '.r' },
  SCALA: { comment: '//', extension: '.scala', fileType: 'scala', dbcExtension: '.scala' },
  SQL: { comment: '--', extension: '.sql', fileType: 'sql', dbcExtension: '.sql' },
};

export function languageForExtension(name: string): NotebookLanguage | undefined {
  const lower = name.toLowerCase();
  for (const language of NOTEBOOK_LANGUAGES) {
    if (lower.endsWith(SYNTAX[language].extension)) return language;
  }
  return undefined;
}

export function isNotebookLanguage(value: unknown): value is NotebookLanguage {
  return typeof value === 'string' && (NOTEBOOK_LANGUAGES as readonly string[]).includes(value);
}
