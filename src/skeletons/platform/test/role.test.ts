import { runsBackgroundWork } from '../src/role';

describe('runsBackgroundWork', () => {
  test('false for an HTTP-only process (--role=http)', () => {
    expect(runsBackgroundWork(['node', 'index.js', '--role=http'])).toBe(false);
  });

  test('true otherwise: no role, or another one', () => {
    expect(runsBackgroundWork(['node', 'index.js'])).toBe(true);
    expect(runsBackgroundWork(['node', 'index.js', '--role=worker'])).toBe(true);
  });

  test('reads process.argv by default', () => {
    expect(runsBackgroundWork()).toBe(!process.argv.includes('--role=http'));
  });
});
