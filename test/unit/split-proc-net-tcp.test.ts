import { splitProcNetTcp } from '../../src/core/split-proc-net-tcp';
import { parseSocketTable } from '../../src/core/parse-sockets';
import { sample } from '../helpers/samples';

const pair = sample('proc-net-tcp-and-tcp6.txt');
/** The sample's tcp part alone: every line before the tcp6 header. */
const v4Only = pair.slice(0, pair.search(/^\s*sl\s+local_address\s+remote_address/m)).trimEnd();

describe('splitProcNetTcp', () => {
  it('cuts a batched cat back into one tcp + tcp6 table per process, each readable', () => {
    const tables = splitProcNetTcp(`${pair}\n${pair}\n${pair}`, 3);
    expect(tables).toHaveLength(3);
    for (const table of tables ?? []) {
      expect(parseSocketTable(table).sockets).toEqual(parseSocketTable(pair).sockets);
    }
  });

  it.each([
    ['a process whose files are missing', `${pair}\n${pair}`, 3],
    ['an extra file', `${pair}\n${pair}\n${pair}`, 2],
    ['a tcp6 where a tcp should be', `${v4Only}\n${pair}`, 1],
    ['something before the first header', `cat: /proc/9/net/tcp: No such file or directory\n${pair}`, 1],
  ])('gives null for %s', (_what, text, count) => {
    expect(splitProcNetTcp(text, count)).toBeNull();
  });
});
