/**
 * Runs `work` on every item, at most `atOnce` at a time, in order, with a fixed set of workers instead of one
 * queued promise per item: 100,000 files cost no more memory than `atOnce`. An item that fails does not stop
 * the others; once every item has run, rejects with the first error.
 */
export async function forEachAtMost<T>(
  items: readonly T[],
  atOnce: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      await work(items[next++] as T).catch((error: unknown) => void failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, atOnce), items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}
