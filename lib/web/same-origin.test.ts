import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refuseCrossSite } from './same-origin.ts';

const post = (headers: Record<string, string>) => new Request('http://127.0.0.1:3000/api/demo', { method: 'POST', headers: { host: '127.0.0.1:3000', ...headers }, body: '{}' });

test("the dashboard's own JSON requests pass; other sites, other origins and non-JSON bodies are refused", () => {
  assert.equal(refuseCrossSite(post({ 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:3000' })), null);
  assert.equal(refuseCrossSite(post({ 'content-type': 'application/json; charset=utf-8' })), null, 'curl: no Origin, no Sec-Fetch-Site');
  assert.deepEqual(refuseCrossSite(post({ 'content-type': 'text/plain' })), { status: 415, error: 'send JSON (content-type: application/json)' });
  assert.equal(refuseCrossSite(post({ 'content-type': 'application/jsonx' }))?.status, 415);
  assert.equal(refuseCrossSite(post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }))?.status, 403);
  assert.equal(refuseCrossSite(post({ 'content-type': 'application/json', 'sec-fetch-site': 'same-site' }))?.status, 403);
  assert.equal(refuseCrossSite(post({ 'content-type': 'application/json', origin: 'https://evil.example' }))?.status, 403);
  assert.equal(refuseCrossSite(post({ 'content-type': 'application/json', origin: 'null' }))?.status, 403);
});
