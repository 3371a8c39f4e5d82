import { describe, expect, it } from 'vitest';
import { parseQueueUrl } from './address.js';

describe('queue URLs', () => {
  it('give host, port, database, user, password and TLS for rediss://; the password is hidden in messages', () => {
    expect(parseQueueUrl('redis://10.0.0.5:6380/2')).toEqual({
      display: 'redis://10.0.0.5:6380/2',
      connection: { host: '10.0.0.5', port: 6380, db: 2, maxRetriesPerRequest: null },
    });
    expect(parseQueueUrl('rediss://worker:s%40cret@queue.example')).toEqual({
      display: 'rediss://worker:***@queue.example',
      connection: { host: 'queue.example', port: 6379, db: 0, username: 'worker', password: 's@cret', tls: { servername: 'queue.example' }, maxRetriesPerRequest: null },
    });
    expect(parseQueueUrl('rediss://:pw@127.0.0.1:6390').connection).toMatchObject({ host: '127.0.0.1', password: 'pw', tls: {} });
  });

  it('anything else is a one-line error naming the flag and the value', () => {
    expect(() => parseQueueUrl('localhost:6379')).toThrow(/^--queue localhost:6379: expected redis:\/\/HOST:PORT\[\/DB\]/);
    expect(() => parseQueueUrl('nonsense', '--to')).toThrow(/^--to nonsense: not a URL; expected/);
    expect(() => parseQueueUrl('redis://:pw@h:1/db')).toThrow(/^--queue redis:\/\/:\*\*\*@h:1\/db: database "db" is not a number/);
  });
});
