/**
 * Waits until a condition holds, for work that happens in the background (queue workers, webhook receivers). The
 * bound only keeps a broken test from hanging: the failure says what never happened, never how long anything took.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, boundMs = 120_000): Promise<void> {
  const giveUpAt = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > giveUpAt) throw new Error(`no ocurrió: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
