// Starts what the integration tests need that a test cannot start cheaply itself:
// one Azurite blob service for the whole run. When DR_TEST_STORAGE_CONNECTION_STRING
// is already set (CI may start Azurite itself), that storage is used instead. The
// Databricks emulator is started in-process by each test.
import { startAzurite } from './azurite.mjs';

export default async function globalSetup() {
  if (process.env.DR_TEST_STORAGE_CONNECTION_STRING) return;
  const azurite = await startAzurite();
  process.env.DR_TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
  globalThis.__azurite = azurite;
}
