import type { Faker } from '@faker-js/faker';

import type { Cell, Notebook, NotebookLanguage } from '../notebook/model.js';

/**
 * Real-looking notebook cells per language: imports, reads, transformations,
 * magic cells in other languages (%md, %sql, %sh, %run, %pip), titled cells and
 * the odd empty cell, as data teams actually write them.
 */
function table(f: Faker): string {
  const schema = f.helpers.arrayElement(['bronze', 'silver', 'gold', 'raw', 'curated']);
  return `${schema}.${f.word.noun().toLowerCase()}_${f.word.noun().toLowerCase()}`;
}

function column(f: Faker): string {
  return `${f.word.adjective().toLowerCase()}_${f.word.noun().toLowerCase()}`;
}

function storage(f: Faker): string {
  return `abfss://${f.word.noun().toLowerCase()}@${f.word.noun().toLowerCase()}lake.dfs.core.windows.net/${f.word.noun().toLowerCase()}`;
}

const PYTHON: Array<(f: Faker) => Cell> = [
  () => ({
    command: 'from pyspark.sql import functions as F\nfrom pyspark.sql.types import StructType, StructField, StringType, DoubleType',
  }),
  (f) => ({ command: `df = spark.read.format("delta").load("${storage(f)}")\ndisplay(df.limit(10))` }),
  (f) => ({
    command:
      `%md\n## ${f.company.catchPhrase()}\n\nThis notebook ${f.hacker.verb()}s the ${f.hacker.noun()} data.\n\n- Owner: ` +
      `${f.person.fullName()}\n- Schedule: daily`,
  }),
  (f) => ({
    command:
      `result = (\n    df.filter(F.col("${column(f)}") > ${f.number.int({ min: 1, max: 500 })})\n      ` +
      `.groupBy("${column(f)}")\n      .agg(F.sum("${column(f)}").alias("total"))\n)\n` +
      `result.write.mode("overwrite").saveAsTable("${table(f)}")`,
    title: f.hacker.phrase().slice(0, 40),
  }),
  (f) => ({ command: `%sql\nSELECT ${column(f)}, count(*) AS n\nFROM ${table(f)}\nGROUP BY 1\nORDER BY n DESC\nLIMIT 100` }),
  (f) => ({
    command:
      `secret = dbutils.secrets.get(scope="${f.word.noun().toLowerCase()}-scope", key="api-key")\nheaders = ` +
      `{"Authorization": f"Bearer {secret}"}`,
  }),
  () => ({ command: '%pip install great-expectations==0.18.12' }),
  (f) => ({ command: `%run ./${f.word.noun().toLowerCase()}_utils` }),
  (f) => ({
    command:
      `def clean_${f.word.noun().toLowerCase()}(frame):\n    """Drop rows with null keys and trim strings."""\n    for ` +
      `c, t in frame.dtypes:\n        if t == "string":\n            frame = frame.withColumn(c, F.trim(F.col(c)))\n    ` +
      `return frame.dropna(subset=["id"])\n\n\nclean = clean_${f.word.noun().toLowerCase()}(df)`,
  }),
  () => ({ command: '' }),
  (f) => ({ command: `%sh\nls -la /dbfs/FileStore/${f.word.noun().toLowerCase()}/ | head -20` }),
  (f) => ({
    command:
      `dbutils.widgets.text("run_date", "${f.date.recent().toISOString().slice(0, 10)}")\nrun_date = ` +
      `dbutils.widgets.get("run_date")\nprint(f"Processing {run_date} — ✓ naïve café")`,
  }),
];

const SCALA: Array<(f: Faker) => Cell> = [
  () => ({ command: 'import org.apache.spark.sql.functions._\nimport io.delta.tables._' }),
  (f) => ({ command: `val df = spark.read.format("delta").load("${storage(f)}")\ndisplay(df)` }),
  (f) => ({
    command:
      `val agg = df\n  .groupBy($"${column(f)}")\n  .agg(sum($"${column(f)}").as("total"))\n  .orderBy(desc("total"))\n` +
      `agg.write.mode("overwrite").saveAsTable("${table(f)}")`,
    title: 'Aggregate',
  }),
  (f) => ({ command: `%md\n# ${f.company.catchPhrase()}\nStreaming job for ${f.commerce.department()}.` }),
  (f) => ({
    command: `case class ${f.word.noun().replace(/^./, (c) => c.toUpperCase())}Event(id: Long, ts: java.sql.Timestamp, value: Double)`,
  }),
  (f) => ({ command: `%python\nprint(spark.table("${table(f)}").count())` }),
];

const SQL: Array<(f: Faker) => Cell> = [
  (f) => ({
    command:
      `CREATE TABLE IF NOT EXISTS ${table(f)} (\n  id BIGINT,\n  ${column(f)} STRING,\n  amount DECIMAL(18, 2),\n  ` +
      `updated_at TIMESTAMP\n) USING DELTA`,
  }),
  (f) => ({
    command:
      `MERGE INTO ${table(f)} t\nUSING ${table(f)} s\nON t.id = s.id\nWHEN MATCHED THEN UPDATE SET *\nWHEN NOT MATCHED ` + `THEN INSERT *`,
  }),
  (f) => ({ command: `%md\n### ${f.company.catchPhrase()}` }),
  (f) => ({
    command:
      `SELECT date_trunc('day', updated_at) AS day, sum(amount) AS revenue\nFROM ${table(f)}\nWHERE updated_at >= ` +
      `current_date() - INTERVAL 30 DAYS\nGROUP BY 1\nORDER BY 1`,
    title: 'Revenue, last 30 days',
  }),
  (f) => ({ command: `OPTIMIZE ${table(f)} ZORDER BY (id)` }),
  (f) => ({ command: `%python\ndisplay(spark.sql("DESCRIBE HISTORY ${table(f)}"))` }),
];

const R: Array<(f: Faker) => Cell> = [
  () => ({ command: 'library(SparkR)\nlibrary(dplyr)' }),
  (f) => ({ command: `df <- read.df("${storage(f)}", source = "delta")\nhead(df)` }),
  (f) => ({ command: `summary <- df %>%\n  group_by(${column(f)}) %>%\n  summarise(total = sum(${column(f)}))\ndisplay(summary)` }),
  (f) => ({ command: `%md\n## ${f.company.catchPhrase()}` }),
  (f) => ({ command: `print(paste("Rows:", count(df)), quote = FALSE)\n# ${f.lorem.sentence()}` }),
];

const TEMPLATES: Record<NotebookLanguage, Array<(f: Faker) => Cell>> = { PYTHON, SCALA, SQL, R };

export function generateNotebook(f: Faker, language: NotebookLanguage, cellCount: number): Notebook {
  const templates = TEMPLATES[language];
  const cells: Cell[] = [];
  for (let i = 0; i < cellCount; i++) {
    // The first cell is usually the imports; the rest vary.
    const template = i === 0 ? (templates[0] as (f: Faker) => Cell) : f.helpers.arrayElement(templates);
    cells.push(template(f));
  }
  return { language, cells };
}
