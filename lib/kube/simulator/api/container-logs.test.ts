import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerLogs, formatLogTime } from './container-logs.ts';

const ref = { namespace: 'default', pod: 'p', container: 'envoy' };

describe('ContainerLogs', () => {
  it('formats CRI timestamps with 9 fraction digits, carrying nanoseconds across milliseconds', () => {
    assert.equal(formatLogTime(Date.UTC(2026, 0, 1), 5), '2026-01-01T00:00:00.000000005Z');
    assert.equal(formatLogTime(Date.UTC(2026, 0, 1) + 1.5), '2026-01-01T00:00:00.001500000Z');
    assert.equal(formatLogTime(Date.UTC(2026, 0, 1) + 999, 1_000_001), '2026-01-01T00:00:01.000000001Z');
  });

  it('keeps one dead instance per container; older ones become unreachable but stay in the ground truth', () => {
    const logs = new ContainerLogs();
    const a = logs.start(ref, 'containerd://a');
    a.append({ time: '2026-01-01T00:00:00.000000000Z', text: 'a1' });
    const b = logs.start(ref, 'containerd://b');
    assert.equal(a.running, false);
    assert.equal(b.restartCount, 1);
    logs.start(ref, 'containerd://c');
    assert.equal(logs.byId('containerd://a'), undefined);
    assert.ok(logs.byId('containerd://b'));
    assert.deepEqual(logs.all().map((i) => i.containerID), ['containerd://a', 'containerd://b', 'containerd://c']);
    assert.throws(() => logs.start(ref, 'containerd://b'), /already in use/);
  });

  it('a record stamped earlier than the last one is raised to it', () => {
    const logs = new ContainerLogs();
    const i = logs.start(ref, 'containerd://a');
    i.append({ time: '2026-01-01T00:00:02.000000000Z', text: 'late' });
    const stored = i.append({ time: '2026-01-01T00:00:01.000000000Z', text: 'early' });
    assert.equal(stored.time, '2026-01-01T00:00:02.000000000Z');
  });

  it('rotates by size and deletes files beyond maxFiles; only the current file is served', () => {
    const logs = new ContainerLogs({ rotation: { maxFileBytes: 100, maxFiles: 2 } });
    const i = logs.start(ref, 'containerd://a');
    for (let k = 0; k < 10; k++) i.append({ time: `2026-01-01T00:00:0${k}.000000000Z`, text: `line ${k} ${'x'.repeat(20)}` });
    assert.equal(i.written, 10);
    assert.ok(i.dropped > 0, 'old files were deleted');
    assert.equal(i.lines.length + i.dropped, 10);
    assert.ok(i.currentFile().length < i.lines.length);
    assert.ok(i.lines.at(-1)!.text.startsWith('line 9'));
    i.append({ time: '2026-01-01T00:00:10.000000000Z', text: 'after' });
    assert.deepEqual(i.currentFile().map((l) => l.text), ['after'], 'the file that filled up was rotated');
  });

  it('a follower gets appended records and ends when the instance stops', () => {
    const logs = new ContainerLogs();
    const i = logs.start(ref, 'containerd://a');
    const seen: string[] = [];
    let ended = false;
    i.subscribe({ onLine: (l) => seen.push(l.text), onEnd: () => (ended = true) });
    logs.append(ref, 'one');
    i.stop('2026-01-01T00:00:00.000000000Z', 0);
    assert.deepEqual([seen, ended], [['one'], true]);
    assert.throws(() => logs.append(ref, 'two'), /not running/);
    logs.removePod('default', 'p');
    assert.equal(logs.reachable().length, 0);
    assert.equal(logs.all().length, 1);
  });
});
