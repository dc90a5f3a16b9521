import { describe, expect, it } from 'vitest';
import { collectors } from '../collectors/index.js';
import { actions } from './index.js';

describe('what an action refreshes after it succeeded', () => {
  // A name that matches no scheduled collector would refresh nothing, silently.
  it.each(actions.map((a) => [a.name, a] as const))('%s names scheduled collectors of its own target kind', (_name, action) => {
    for (const name of action.refreshes) {
      const collector = collectors.find((c) => c.name === name);
      expect(collector, `${action.name} refreshes ${name}`).toBeDefined();
      expect(collector!.mode).toBe('scheduled');
      expect(collector!.targetKind).toBe(action.targetKind);
    }
  });

  it('reset-statements refreshes the statements, so their series start over at once', () => {
    expect(actions.find((a) => a.name === 'reset-statements')?.refreshes).toEqual(['pg_statements']);
  });
});
