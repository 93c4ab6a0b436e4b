import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advance, ResumeFilter, resumeSince, type Watermark } from './watermark.ts';

const t = (s: string) => `2026-01-01T00:00:${s}Z`;

describe('watermark', () => {
  it('counts lines at the same stamp and restarts the count on a newer one', () => {
    let wm: Watermark | null = null;
    for (const s of ['01.100000000', '01.200000000', '01.200000000']) wm = advance(wm, t(s));
    assert.deepEqual(wm, { time: t('01.200000000'), count: 2 });
    assert.equal(resumeSince(wm!), '2026-01-01T00:00:01Z');
  });

  it('a resume from the whole second skips exactly what was stored, including lines sharing the last stamp', () => {
    // Stored: .1, .2, .2 (first two of three lines stamped .2). The resume re-sends the whole second.
    const filter = new ResumeFilter({ time: t('01.200000000'), count: 2 });
    const resent = ['01.000000000', '01.100000000', '01.200000000', '01.200000000', '01.200000000', '01.300000000', '02.000000000'];
    assert.deepEqual(resent.map((s) => filter.covered(t(s))), [true, true, true, true, false, false, false]);
  });

  it('without a watermark nothing is covered', () => {
    const filter = new ResumeFilter(null);
    assert.equal(filter.covered(t('00.000000000')), false);
  });

  it('rotation removed the earlier lines of the second: the count still skips the right ones', () => {
    // The current file starts at .2 (the .1 line went with the old file): only the 2 lines at .2 are covered.
    const filter = new ResumeFilter({ time: t('01.200000000'), count: 2 });
    assert.deepEqual(['01.200000000', '01.200000000', '01.250000000'].map((s) => filter.covered(t(s))), [true, true, false]);
  });
});
