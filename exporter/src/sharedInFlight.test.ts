import { describe, expect, it } from 'vitest';
import { SharedInFlight } from './sharedInFlight.js';

describe('shared in-flight work', () => {
  it('gives callers at the same time one run per key, and starts afresh once it settled', async () => {
    const shared = new SharedInFlight<string, number>();
    let runs = 0;
    const work = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return runs;
    };
    const together = await Promise.all([shared.run('a', work), shared.run('a', work), shared.run('b', work)]);
    expect(together).toEqual([2, 2, 2]);
    expect(runs).toBe(2);
    expect(await shared.run('a', work)).toBe(3);
  });

  it('shares a failure with the callers that waited for it, and does not keep it', async () => {
    const shared = new SharedInFlight<string, number>();
    const failing = () => Promise.reject(new Error('down'));
    await expect(Promise.all([shared.run('a', failing), shared.run('a', () => Promise.resolve(1))])).rejects.toThrow('down');
    expect(await shared.run('a', () => Promise.resolve(1))).toBe(1);
  });
});
