import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { type ApiClient, createApiClient } from '../api/client';
import { ApiError } from '../api/problem';
import { navigate } from '../router';
import { StepUpDialog } from './step-up-dialog';

export type Role = 'admin' | 'lawyer' | 'assistant' | 'process_server' | 'client' | 'auditor';

/** `GET /api/session`'s answer (identity.sessions.schemas.ts `sessionResponse`). */
export type SessionState = {
  user: { id: string; username: string; role: Role };
  isSecondFactorRequired: boolean;
  isEnrolmentRequired: boolean;
  availableFactors: ('totp' | 'passkey' | 'recovery_code')[];
  csrfToken: string;
};

/**
 * Why nobody is signed in any more: the person signed out, or the session ended on its own (revoked from
 * another device, idle or absolute timeout). Undefined when there was no session in this page, or once
 * someone signs in again.
 */
export type SessionEnd = 'signed_out' | 'ended';

export type SessionContextValue = {
  /** undefined while loading; null when nobody is signed in. */
  session: SessionState | null | undefined;
  sessionEnd: SessionEnd | undefined;
  api: ApiClient;
  /** Store a session the server just returned (sign-in, second factor, enrolment, password change). */
  setSession: (session: SessionState | null) => void;
  /** Asks the server again (after something that may change the session's flags). */
  refresh: () => Promise<SessionState | null>;
  /** Ends the session and opens the sign-in page, without a `next` left by the person who signed out. */
  signOut: () => Promise<void>;
  /** Opens the step-up dialog; resolves true when the person proved a second factor again. */
  requestStepUp: () => Promise<boolean>;
};

/** Whether a step-up can be proved at all: an authenticator app or a passkey (recovery codes come with one). */
export function hasSecondFactor(session: SessionState): boolean {
  return session.availableFactors.includes('totp') || session.availableFactors.includes('passkey');
}

const SessionContext = createContext<SessionContextValue | undefined>(undefined);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (value === undefined) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The API client, for pages: every request carries the session's CSRF token and may ask for a step-up. */
export function useApi(): ApiClient {
  return useSession().api;
}

/** The signed-in session, for pages that only render when someone is signed in. */
export function useSignedIn(): SessionState {
  const { session } = useSession();
  if (session === undefined || session === null) throw new Error('useSignedIn without a session');
  return session;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSessionState] = useState<SessionState | null | undefined>(undefined);
  const [sessionEnd, setSessionEnd] = useState<SessionEnd | undefined>(undefined);
  const current = useRef<SessionState | null | undefined>(undefined);
  const [stepUp, setStepUp] = useState<{ resolve: (done: boolean) => void } | undefined>(undefined);
  const csrf = useRef<string | undefined>(undefined);

  const setSession = useCallback((next: SessionState | null) => {
    csrf.current = next?.csrfToken;
    current.current = next;
    if (next !== null) setSessionEnd(undefined);
    setSessionState(next);
  }, []);

  /** The server refused the session cookie: when this page had a session, it ended on its own. */
  const endSession = useCallback(() => {
    if (current.current !== null && current.current !== undefined) setSessionEnd('ended');
    setSession(null);
  }, [setSession]);

  const requestStepUp = useCallback(() => new Promise<boolean>((resolve) => setStepUp({ resolve })), []);

  const api = useMemo(
    () =>
      createApiClient({
        getCsrfToken: () => csrf.current,
        onStepUpRequired: requestStepUp,
        onSessionEnded: endSession,
      }),
    [requestStepUp, endSession],
  );

  const refresh = useCallback(async () => {
    try {
      const current = await api.get<SessionState>('/api/session');
      setSession(current);
      return current;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        setSession(null);
        return null;
      }
      throw error;
    }
  }, [api, setSession]);

  const signOut = useCallback(async () => {
    try {
      await api.delete('/api/session');
    } finally {
      setSession(null);
      setSessionEnd('signed_out');
      navigate('/sign-in');
    }
  }, [api, setSession]);

  useEffect(() => {
    refresh().catch(() => setSession(null));
  }, [refresh, setSession]);

  const value = useMemo<SessionContextValue>(
    () => ({ session, sessionEnd, api, setSession, refresh, signOut, requestStepUp }),
    [session, sessionEnd, api, setSession, refresh, signOut, requestStepUp],
  );

  return (
    <SessionContext.Provider value={value}>
      {children}
      {stepUp !== undefined && session ? (
        <StepUpDialog
          session={session}
          api={api}
          onClose={(done) => {
            stepUp.resolve(done);
            setStepUp(undefined);
          }}
        />
      ) : null}
    </SessionContext.Provider>
  );
}
