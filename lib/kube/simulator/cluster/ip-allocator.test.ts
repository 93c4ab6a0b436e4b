import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IpAllocator, IpExhaustedError } from './ip-allocator.ts';

describe('IpAllocator', () => {
  it('moves on from the last address reserved or given, like host-local', () => {
    const a = new IpAllocator([{ node: 'n', podCidr: '10.244.0.0/24' }], 0, () => 0);
    a.reserve('n', '10.244.0.80');
    assert.deepEqual([a.allocate('n'), a.allocate('n')], ['10.244.0.81', '10.244.0.82']);
    assert.throws(() => a.reserve('n', '10.244.0.81'), /already in use/);
    assert.throws(() => a.reserve('n', '10.1.0.5'), /outside node n's range/);
  });

  it('a freed address is given again only after the reuse delay, oldest release first', () => {
    let now = 0;
    const a = new IpAllocator([{ node: 'n', podCidr: '10.244.0.0/24' }], 30_000, () => now);
    const [x, y] = [a.allocate('n'), a.allocate('n')];
    a.release('n', x);
    now = 1000;
    a.release('n', y);
    assert.equal(a.allocate('n'), '10.244.0.4', 'both are cooling down');
    now = 30_000;
    assert.equal(a.allocate('n'), x);
    assert.equal(a.allocate('n'), '10.244.0.5', `${y} has not cooled down yet`);
    now = 31_000;
    assert.equal(a.allocate('n'), y);
  });

  it('ranges are per node; a full range says so', () => {
    const a = new IpAllocator([{ node: 'a', podCidr: '10.244.0.0/24' }, { node: 'b', podCidr: '10.244.1.0/24' }], 0, () => 0);
    assert.equal(a.allocate('b'), '10.244.1.2');
    for (let i = 0; i < 253; i++) a.allocate('a');
    assert.throws(() => a.allocate('a'), IpExhaustedError);
    assert.throws(() => new IpAllocator([{ node: 'c', podCidr: '10.0.0.0/16' }], 0, () => 0), /not a \/24/);
  });
});
