export default async function globalTeardown() {
  await globalThis.__TIPDESK_TEST_DB__?.stop();
}
