import assert from 'node:assert/strict';
import { test } from 'node:test';
import { responseFlagMeaning } from './response-flags.ts';

test("Envoy's core flags have a meaning; an extension's code and inherited names do not", () => {
  assert.equal(responseFlagMeaning('UH'), 'No healthy upstream host (503)');
  assert.equal(responseFlagMeaning('URX'), 'Retry limit or maximum connect attempts reached');
  assert.equal(responseFlagMeaning('XYZ'), null);
  assert.equal(responseFlagMeaning('constructor'), null);
});
