// The signed-in session: the API token lives in sessionStorage only (gone when the browser
// session ends, never in a URL), the signed-in user in a signal.
import { signal } from '@preact/signals';

const KEY = 'devportal.token';

function initial(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export const token = signal<string | null>(initial());
/** Why the user was signed out (shown on the sign-in screen). */
export const signOutReason = signal<string | null>(null);

export function signIn(t: string) {
  token.value = t;
  try {
    sessionStorage.setItem(KEY, t);
  } catch {
    // storage refused (private mode): the token lives in memory for this tab
  }
  signOutReason.value = null;
}

export function signOut(reason: string | null = null) {
  token.value = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
  signOutReason.value = reason;
}
