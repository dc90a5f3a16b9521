import { describe, expect, it } from 'vitest';
import { infoNumber, infoStatus, parseRedisInfo, replicationRole } from './redisInfoParser.js';

/** Lines of a Redis 7.0 master's INFO reply (abridged), with the server's CRLF line ends. */
const masterInfo = [
  '# Server',
  'redis_version:7.0.15',
  'redis_mode:standalone',
  'os:Linux 6.1.0 x86_64',
  'executable:/usr/bin/redis-server',
  'config_file:',
  '',
  '# Clients',
  'connected_clients:3',
  'maxclients:10000',
  '',
  '# Memory',
  'used_memory:1059216',
  'used_memory_human:1.01M',
  'used_memory_peak_perc:100.24%',
  'maxmemory:2097152',
  'maxmemory_policy:allkeys-lru',
  '',
  '# Persistence',
  'rdb_changes_since_last_save:12',
  'rdb_bgsave_in_progress:0',
  'rdb_last_save_time:1795412342',
  'rdb_last_bgsave_status:err',
  'rdb_last_bgsave_time_sec:-1',
  'aof_enabled:0',
  'aof_last_write_status:ok',
  '',
  '# Stats',
  'keyspace_hits:41',
  'keyspace_misses:7',
  'evicted_keys:0',
  '',
  '# Replication',
  'role:master',
  'connected_slaves:1',
  'slave0:ip=127.0.0.1,port=16391,state=online,offset=50,lag=0',
  '',
  '# Keyspace',
  'db0:keys=10,expires=2,avg_ttl=3600',
  // Redis 7.4 adds subexpiry; unknown parts are ignored.
  'db3:keys=1,expires=0,avg_ttl=0,subexpiry=0',
  '',
].join('\r\n');

describe('parseRedisInfo', () => {
  const info = parseRedisInfo(masterInfo);

  it('reads numbers, keeping values that hold colons whole', () => {
    expect(infoNumber(info, 'keyspace_hits')).toBe(41);
    expect(infoNumber(info, 'used_memory')).toBe(1059216);
    expect(infoNumber(info, 'rdb_last_bgsave_time_sec')).toBe(-1);
    expect(info.fields.get('executable')).toBe('/usr/bin/redis-server');
    expect(info.fields.get('slave0')).toBe('ip=127.0.0.1,port=16391,state=online,offset=50,lag=0');
    expect(info.fields.get('redis_version')).toBe('7.0.15');
  });

  it('leaves out what is absent, empty or not a number', () => {
    expect(infoNumber(info, 'no_such_field')).toBeUndefined();
    expect(infoNumber(info, 'config_file')).toBeUndefined();
    expect(infoNumber(info, 'used_memory_human')).toBeUndefined();
    expect(infoNumber(info, 'used_memory_peak_perc')).toBeUndefined();
  });

  it('turns ok/err statuses into 1/0', () => {
    expect(infoStatus(info, 'aof_last_write_status')).toBe(1);
    expect(infoStatus(info, 'rdb_last_bgsave_status')).toBe(0);
    expect(infoStatus(info, 'redis_mode')).toBeUndefined();
    expect(infoStatus(info, 'no_such_field')).toBeUndefined();
  });

  it('reads the keyspace section per database and keeps it out of the fields', () => {
    expect(info.keyspace).toEqual([
      { db: '0', keys: 10, expires: 2 },
      { db: '3', keys: 1, expires: 0 },
    ]);
    expect(info.fields.has('db0')).toBe(false);
  });

  it('calls a replica a replica, whatever INFO says', () => {
    expect(replicationRole(info)).toBe('master');
    const replica = parseRedisInfo('# Replication\nrole:slave\nmaster_link_status:down\n');
    expect(replicationRole(replica)).toBe('replica');
    expect(replica.fields.get('master_link_status')).toBe('down');
    expect(replicationRole(parseRedisInfo('# Server\nredis_mode:sentinel\n'))).toBeUndefined();
  });

  it('skips malformed keyspace and field lines instead of failing', () => {
    const odd = parseRedisInfo('# Keyspace\ndb0:keys=x,expires=0\nnotadb:keys=1,expires=0\ndb1:expires=0\ndb2:keys=5\n# Stats\n:orphan\nno colon here\n');
    expect(odd.keyspace).toEqual([{ db: '2', keys: 5, expires: 0 }]);
    expect(odd.fields.size).toBe(0);
    expect(parseRedisInfo('').keyspace).toEqual([]);
  });
});
