export default async function globalTeardown() {
  await globalThis.__azurite?.stop();
}
