import request from 'supertest';
import { randomBytes } from 'node:crypto';
import type { StaffUserDto } from '../../src/staff/dto/staff.dto.js';
import type { StaffRole } from '../../src/staff/staff.entities.js';
import { StaffService } from '../../src/staff/staff.service.js';
import type { TestApp } from './test-app.js';

export interface SignedInStaff {
  user: StaffUserDto;
  password: string;
  /** `Cookie` header value carrying the session. */
  cookie: string;
  csrfToken: string;
  /** supertest helpers that send the cookie (and, for writes, the CSRF token). */
  get(path: string): request.Test;
  post(path: string): request.Test;
  patch(path: string): request.Test;
  delete(path: string): request.Test;
}

let counter = 0;

/** A staff account made the way the CLI makes one (StaffService), with a known password. */
export async function createStaff(t: TestApp, role: StaffRole, fields: { email?: string; name?: string; password?: string } = {}) {
  counter += 1;
  const password = fields.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const user = await t.app.get(StaffService).create('system', {
    email: fields.email ?? `${role}-${counter}-${randomBytes(3).toString('hex')}@newsroom.test`,
    name: fields.name ?? `${role[0].toUpperCase()}${role.slice(1)} ${counter}`,
    role,
    password,
  });
  return { user, password };
}

export function sessionCookie(response: request.Response, name = 'tipdesk_staff'): string {
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  const cookie = cookies.find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`No ${name} cookie in the response (status ${response.status}: ${JSON.stringify(response.body)})`);
  return cookie.split(';')[0];
}

/** Signs in over HTTP, exactly as the desk does. */
export async function signIn(
  t: TestApp,
  email: string,
  password: string,
  totp?: string,
): Promise<Omit<SignedInStaff, 'user' | 'password'> & { user: StaffUserDto }> {
  const response = await request(t.url)
    .post('/api/auth/login')
    .send({ email, password, ...(totp ? { totp } : {}) });
  if (response.status !== 200) throw new Error(`Sign-in failed: ${response.status} ${JSON.stringify(response.body)}`);
  const cookie = sessionCookie(response);
  const csrfToken = response.body.csrfToken as string;
  return {
    user: response.body.user,
    cookie,
    csrfToken,
    get: (path) => request(t.url).get(path).set('Cookie', cookie),
    post: (path) => request(t.url).post(path).set('Cookie', cookie).set('X-CSRF-Token', csrfToken),
    patch: (path) => request(t.url).patch(path).set('Cookie', cookie).set('X-CSRF-Token', csrfToken),
    delete: (path) => request(t.url).delete(path).set('Cookie', cookie).set('X-CSRF-Token', csrfToken),
  };
}

/** A new staff account of `role`, signed in. */
export async function signedInStaff(t: TestApp, role: StaffRole, fields: { email?: string; name?: string } = {}): Promise<SignedInStaff> {
  const { user, password } = await createStaff(t, role, fields);
  const session = await signIn(t, user.email, password);
  return { ...session, user, password };
}
