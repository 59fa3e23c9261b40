// The HTTP API (CONTRACT.md §2) and customer identity tokens, as browser tests use them to set a tenant up
// before the pages open. Plain fetch and node:crypto: no npm dependencies. Not a test file.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';

/**
 * One JSON call under `${gateway}/api/v1`; asserts the status (201 for POST, 200 otherwise unless `expect` says)
 * and returns the parsed body. A failure names the call and quotes the gateway's error body.
 */
export async function api(gateway, token, method, path, body, expect) {
  const response = await fetch(`${gateway}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const want = expect ?? (method === 'POST' ? 201 : 200);
  assert.equal(response.status, want, `${method} /api/v1${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

const base64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A customer JWT as the tenant's own site would sign it: HS256 with the tenant's identity secret. */
export function customerToken(identitySecret, { sub, name, email, ttlSeconds = 3600 }) {
  const claims = { sub, name, email, exp: Math.floor(Date.now() / 1000) + ttlSeconds };
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(claims)}`;
  const signature = createHmac('sha256', identitySecret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}
