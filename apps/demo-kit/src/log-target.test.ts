import { describe, expect, it } from 'vitest';
import { logTarget } from './log-target.ts';

describe('logTarget()', () => {
  it.each([
    ['redis://:hunter2@cache:6379/0', 'redis://cache:6379/0'],
    ['rediss://user:hunter2@cache.example:6380', 'rediss://cache.example:6380'],
    ['postgres://app:hunter2@db/test?sslpassword=hunter2', 'postgres://db/test'],
    ['mysql://root@127.0.0.1:3306/test', 'mysql://127.0.0.1:3306/test'],
    ['127.0.0.1:11211,10.0.0.2:11211', '127.0.0.1:11211,10.0.0.2:11211'],
    ['user:hunter2@10.0.0.2:11211', '10.0.0.2:11211'],
    ['not a url: hunter2', '(unparsable address)'],
  ])('logs %s as %s', (address, logged) => {
    expect(logTarget(address)).toBe(logged);
  });
});
