/* Switchboard admin console: the HTTP API client (CONTRACT.md §2). Every call carries the admin's bearer token and
   goes to /api/v1/tenants/{tenant}/…; list() reads every page of a list; a refusal becomes an ApiError holding the contract's {code, message}, and
   fieldOf() tells which form field a refusal is about, so pages can show it next to that field. */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
  /** The server answers, but does not serve this route yet (an older gateway): pages say so instead of failing. */
  get unsupported() {
    return this.status === 405 || (this.status === 404 && /^no route /.test(this.message));
  }
}

export function createClient(session) {
  async function call(method, path, body) {
    let response;
    try {
      response = await fetch(`/api/v1/tenants/${encodeURIComponent(session.tenant)}${path}`, {
        method,
        headers: { authorization: `Bearer ${session.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'offline', 'The server cannot be reached. Check your connection and try again.');
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: described below */ }
    if (!response.ok) {
      const error = data && data.error;
      throw new ApiError(response.status, error?.code || `http_${response.status}`,
        error?.message || `The server answered ${response.status}.`);
    }
    return data;
  }
  /** Every item of a paged list ({items, next_cursor}), following the cursors a page of 200 at a time. */
  async function list(path) {
    const items = [];
    let cursor = null;
    do {
      const query = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await call('GET', `${path}${path.includes('?') ? '&' : '?'}${query}`);
      items.push(...(page?.items || []));
      cursor = page?.next_cursor;
    } while (cursor);
    return items;
  }
  return {
    get: (path) => call('GET', path),
    list,
    post: (path, body) => call('POST', path, body ?? {}),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
  };
}

/**
 * The field of `fields` a refusal names, or null. `invalid` messages start with the field ("routed_space: …",
 * "knowledge[1].answer: …"); `edition_required` is about the support mode; other messages may quote a field
 * anywhere ("unknown field `sign_in_url`"), and the earliest mention wins.
 */
export function fieldOf(error, fields) {
  if (!(error instanceof ApiError)) return null;
  if (error.code === 'edition_required' && fields.includes('support_mode')) return 'support_mode';
  const lead = /^([a-z_]+)(?:\[\d+\])?(?:\.[a-z_]+)?\s*:/.exec(error.message);
  if (lead && fields.includes(lead[1])) return lead[1];
  let best = null;
  let at = Infinity;
  for (const field of fields) {
    const match = new RegExp(`(^|[^a-z_])${field}([^a-z_]|$)`).exec(error.message);
    if (match && match.index < at) { best = field; at = match.index; }
  }
  return best;
}
