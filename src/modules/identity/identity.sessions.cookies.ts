import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sessionLimits } from './identity.sessions.models.js';
import type { DeviceInfo } from './identity.sessions.usecases.js';

/**
 * The browser's credentials. `__Host-` makes the browser refuse them unless Secure, Path=/ and without a
 * Domain, so no sibling host can set or read them; HttpOnly keeps them from scripts; SameSite=Strict keeps
 * them off every cross-site request.
 * @NOTE Cookie names are part of the web client's contract: renaming one signs everybody out.
 */
export const sessionCookieName = '__Host-writ_session';
/** A long-lived random token naming the browser, so that a sign-in from a browser never seen is noticed. */
export const deviceCookieName = '__Host-writ_device';

const cookieOptions: CookieSerializeOptions = { path: '/', secure: true, httpOnly: true, sameSite: 'strict' };

export function readSessionToken(request: FastifyRequest): string | undefined {
  return request.cookies[sessionCookieName];
}

/** What a sign-in records about the device: its User-Agent (summarised), address, and device cookie. */
export function readDevice(request: FastifyRequest): DeviceInfo {
  return {
    userAgent: request.headers['user-agent'],
    clientAddress: request.ip,
    deviceToken: request.cookies[deviceCookieName],
  };
}

/** A browser-session cookie: it ends when the browser closes, and the server ends it sooner by its timeouts. */
export function setSessionCookie(reply: FastifyReply, token: string): void {
  void reply.setCookie(sessionCookieName, token, cookieOptions);
}

export function setDeviceCookie(reply: FastifyReply, deviceToken: string): void {
  void reply.setCookie(deviceCookieName, deviceToken, {
    ...cookieOptions,
    maxAge: sessionLimits.deviceCookieMaxAgeSeconds,
  });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(sessionCookieName, cookieOptions);
}
