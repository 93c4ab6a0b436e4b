import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { StatusError } from './status.ts';
import { testPod } from './test-fixtures.ts';

const labels = { app: 'web', tier: 'frontend', 'example.com/team': 'edge' };
const matches = (sel: string): boolean => matchesLabels(parseLabelSelector(sel), labels);

test('label selector: equality, inequality, sets, existence, AND', () => {
  assert.equal(matches(''), true);
  assert.equal(matches('app=web'), true);
  assert.equal(matches('app==web'), true);
  assert.equal(matches('app=api'), false);
  assert.equal(matches('app!=api'), true);
  assert.equal(matches('missing!=x'), true, '!= matches objects without the key');
  assert.equal(matches('tier in (frontend, backend)'), true);
  assert.equal(matches('tier in (backend)'), false);
  assert.equal(matches('tier notin (backend)'), true);
  assert.equal(matches('missing notin (x)'), true);
  assert.equal(matches('example.com/team'), true);
  assert.equal(matches('!missing'), true);
  assert.equal(matches('!app'), false);
  assert.equal(matches('app=web,tier in (frontend,x),!missing'), true);
  assert.equal(matches('app=web,tier=backend'), false);
});

test('bad label selector is a 400 BadRequest Status with the selector in the message', () => {
  for (const bad of ['app=we b', 'a=b,,c=d', 'app in (a', '=x']) {
    assert.throws(
      () => parseLabelSelector(bad),
      (e: unknown) => e instanceof StatusError && e.status.code === 400 && e.status.reason === 'BadRequest' && e.status.message.length > 0,
      bad,
    );
  }
});

test('field selector: supported fields and operators', () => {
  const pod = testPod();
  const m = (sel: string): boolean => matchesFields(parseFieldSelector(sel), pod);
  assert.equal(m('metadata.name=web-1'), true);
  assert.equal(m('metadata.name==web-2'), false);
  assert.equal(m('metadata.namespace=default,spec.nodeName=sim-node-1'), true);
  assert.equal(m('status.phase!=Running'), false);
  assert.equal(m('status.phase!=Pending'), true);
});

test('unsupported field or malformed field selector is a 400', () => {
  assert.throws(() => parseFieldSelector('spec.restartPolicy=Always'), (e: unknown) => e instanceof StatusError && e.status.code === 400 && /field label not supported: spec.restartPolicy/.test(e.status.message));
  assert.throws(() => parseFieldSelector('metadata.name'), (e: unknown) => e instanceof StatusError && e.status.code === 400);
});
