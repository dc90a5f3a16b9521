/** Version strings as pg_dump, pg_restore and the server report them. */
import { describe, expect, it } from 'vitest';
import { parseMajorVersion, serverMajorVersion } from './pgTools.js';

describe('parseMajorVersion', () => {
  it.each([
    ['pg_dump (PostgreSQL) 15.8', 150000, '15'],
    ['pg_dump (PostgreSQL) 16.2 (Debian 16.2-1.pgdg120+2)', 160000, '16'],
    ['pg_restore (PostgreSQL) 17beta1', 170000, '17'],
    ['pg_dump (PostgreSQL) 9.6.24', 90600, '9.6'],
    ['15.8', 150000, '15'],
  ])('reads %s', (text, majorNum, major) => {
    expect(parseMajorVersion(text)).toEqual({ majorNum, major });
  });

  it('does not guess', () => {
    expect(parseMajorVersion('pg_dump (PostgreSQL) 9')).toBeUndefined();
    expect(parseMajorVersion('command not found')).toBeUndefined();
  });
});

describe('serverMajorVersion', () => {
  it('compares with the tools across the version 10 change of numbering', () => {
    expect(serverMajorVersion(150004)).toEqual({ majorNum: 150000, major: '15' });
    expect(serverMajorVersion(90624)).toEqual({ majorNum: 90600, major: '9.6' });
    expect(serverMajorVersion(100023).majorNum).toBeGreaterThan(serverMajorVersion(90624).majorNum);
  });
});
