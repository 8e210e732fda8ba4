import { defineError } from '@shop/platform/errors';

export const AuthErrors = {
  invalidCredentials: defineError('AUTH_ERR_INVALID_CREDENTIALS', 401, 'The email or password is incorrect.'),
  emailTaken: defineError(
    'AUTH_ERR_EMAIL_TAKEN',
    409,
    'An account with this email already exists; log in instead.',
  ),
  weakPassword: defineError('AUTH_ERR_WEAK_PASSWORD', 400, 'The password does not meet the password policy.'),
  breachedPassword: defineError(
    'AUTH_ERR_BREACHED_PASSWORD',
    400,
    'This password appears in lists of passwords leaked in data breaches, so attackers try it first; ' +
      'choose another one.',
  ),
  invalidRefreshToken: defineError(
    'AUTH_ERR_INVALID_REFRESH_TOKEN',
    401,
    'The refresh token is invalid, expired or revoked; log in again.',
  ),
  noRefreshToken: defineError(
    'AUTH_ERR_NO_REFRESH_TOKEN',
    401,
    'No refresh token: send it in the body or sign in with refreshTokenDelivery "cookie" first; log in again.',
  ),
  refreshTokenReused: defineError(
    'AUTH_ERR_REFRESH_TOKEN_REUSED',
    401,
    'This refresh token was already used; every session of its family is revoked. Log in again.',
  ),
  tooManyAttempts: defineError(
    'AUTH_ERR_TOO_MANY_ATTEMPTS',
    429,
    'Too many failed logins; wait and try again.',
  ),
  tooManyRegistrations: defineError(
    'AUTH_ERR_TOO_MANY_REGISTRATIONS',
    429,
    'Too many sign-ups from this address or overall; wait and try again.',
  ),
  busy: defineError('AUTH_ERR_BUSY', 503, 'The service is busy; try again shortly.'),
  userNotFound: defineError('AUTH_ERR_USER_NOT_FOUND', 404, 'The account no longer exists.'),
};
