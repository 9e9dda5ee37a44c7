// A program behind a ProcessAdapter for the length of `body`, closed after it whatever happens.
import { ProcessAdapter } from '../../src/verify/processAdapter.ts';

export async function withTarget<T>(command: string, body: (a: ProcessAdapter) => Promise<T>): Promise<T> {
  const a = new ProcessAdapter(command, { timeoutMs: 30_000 });
  try {
    return await body(a);
  } finally {
    await a.close();
  }
}
