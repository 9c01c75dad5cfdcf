import { parseSource, renderSource } from '../../emulator/notebook/source.js';
import type { Notebook } from '../../emulator/notebook/model.js';
import { parseJupyter, renderJupyter } from '../../emulator/notebook/jupyter.js';
import { parseDbc, renderDbc } from '../../emulator/notebook/dbc.js';

const notebooks: Notebook[] = [
  {
    language: 'PYTHON',
    cells: [{ command: 'print(1)' }, { command: '%md\n# Title\n\ntext' }, { command: '' }, { command: 'x = 2', title: 'Step 2' }],
  },
  { language: 'SCALA', cells: [{ command: 'val a = 1' }, { command: '%python\nprint(1)', title: 'hidden', showTitle: false }] },
  { language: 'SQL', cells: [{ command: 'SELECT 1' }, { command: '%sql\n\nSELECT 2' }] },
  { language: 'R', cells: [{ command: 'library(SparkR)' }, { command: '' }, { command: '' }] },
  { language: 'PYTHON', cells: [{ command: '' }] },
  { language: 'PYTHON', cells: [{ command: 'a\n\n\nb\n' }, { command: 'unicode: ü ✓ データ' }] },
];

describe('SOURCE format', () => {
  test.each(notebooks.map((n, i) => [i, n] as const))('parse(render(notebook %i)) is the notebook', (_i, nb) => {
    expect(parseSource(renderSource(nb), nb.language)).toEqual(nb);
  });

  test('render uses the language comment token, MAGIC prefixes and DBTITLE', () => {
    expect(renderSource(notebooks[0] as Notebook)).toBe(
      '# Databricks notebook source\nprint(1)\n\n# COMMAND ----------\n\n# MAGIC %md\n# MAGIC # Title\n# MAGIC\n# ' +
        'MAGIC text\n\n# COMMAND ----------\n\n\n\n# COMMAND ----------\n\n# DBTITLE 1,Step 2\nx = 2\n',
    );
    expect(renderSource(notebooks[1] as Notebook)).toBe(
      '// Databricks notebook source\nval a = 1\n\n// COMMAND ----------\n\n// DBTITLE 0,hidden\n// MAGIC %python\n// MAGIC print(1)\n',
    );
    expect(renderSource(notebooks[4] as Notebook)).toBe('# Databricks notebook source\n');
  });

  test('render(parse(text)) is a fixed point after one normalisation', () => {
    const messy = '# Databricks notebook source\r\nprint(1)\r\n# COMMAND ----------\r\nprint(2)';
    const once = renderSource(parseSource(messy, 'PYTHON'));
    expect(renderSource(parseSource(once, 'PYTHON'))).toBe(once);
  });
});

describe('JUPYTER and DBC', () => {
  test.each(notebooks.slice(0, 4).map((n, i) => [i, n] as const))('notebook %i survives JUPYTER and DBC', (i, nb) => {
    const ipynb = renderJupyter(nb, `nb${i}`, (k) => `id-${k}`);
    expect(parseJupyter(ipynb)).toEqual(nb);
    const dbc = renderDbc('', [{ relativePath: `nb${i}`, name: `nb${i}`, objectId: 123n, notebook: nb }], (s) => s);
    expect(parseDbc(dbc)).toEqual([{ relativePath: `nb${i}`, notebook: nb }]);
  });

  test('JUPYTER keys are sorted and indented by one space, like nbformat', () => {
    const text = renderJupyter(notebooks[0] as Notebook, 'x', () => 'n');
    expect(text.startsWith('{\n "cells": [')).toBe(true);
    const keys = Object.keys(JSON.parse(text));
    expect(keys).toEqual([...keys].sort());
  });
});
