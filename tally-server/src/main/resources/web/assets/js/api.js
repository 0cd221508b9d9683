// The one way pages talk to the server: the JSON API (/v1/...) with the session cookie, plus the CSRF header on
// every change. A 401 means the session ended, so the browser goes back to the sign-in page.

let csrfToken = null;

/** An answer that was not 2xx: the status and the RFC 9457 problem (title, detail, errors[{field, message}]). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = problem.errors || [];
  }
}

/** Who is signed in ({principal, customer, csrf_token, expires_at}); goes to sign-in when nobody is. */
export async function session() {
  const r = await fetch('/ui/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (r.status === 401) {
    location.assign('/signin');
    throw new ApiError(401, { title: 'Not signed in' });
  }
  const s = await r.json();
  csrfToken = s.csrf_token;
  return s;
}

/** Calls the API; resolves to the parsed JSON (null for 204), rejects with ApiError. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 401) {
    location.assign('/signin?error=expired');
    throw new ApiError(401, { title: 'Session ended' });
  }
  if (!r.ok) {
    let problem;
    try { problem = await r.json(); } catch { problem = { title: `HTTP ${r.status}` }; }
    throw new ApiError(r.status, problem);
  }
  return r.status === 204 ? null : r.json();
}

/** Builds a query string, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Ends the session and returns to the sign-in page. */
export async function signOut() {
  await fetch('/ui/signout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': csrfToken } });
  location.assign('/signin');
}
