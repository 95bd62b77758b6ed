export default async function globalTeardown(): Promise<void> {
  await globalThis.__TIPDESK_TEST_DB__?.stop();
}
