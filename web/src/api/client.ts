import { ApiError, networkError, toProblem } from './problem';

/**
 * The SPA's only way to the server: same-origin `fetch` with the session cookie (HttpOnly, never visible
 * here) and the CSRF token, which lives in memory only: a reload asks `GET /api/session` for it again.
 * When the server asks for a recent second factor (`identity.step_up_required`), the client asks the
 * person through `onStepUpRequired` and, if they complete it, repeats the request once.
 */
export type ApiClientHooks = {
  getCsrfToken: () => string | undefined;
  onStepUpRequired: () => Promise<boolean>;
  onSessionEnded: () => void;
};

export type RequestOptions = {
  body?: unknown;
  signal?: AbortSignal;
  /** Do not ask for a step-up on `identity.step_up_required` (the step-up dialog's own requests). */
  skipStepUp?: boolean;
  headers?: Record<string, string>;
};

export type UploadOptions = {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
};

export type ApiClient = {
  request: <T>(method: string, path: string, options?: RequestOptions) => Promise<T>;
  get: <T>(path: string, options?: RequestOptions) => Promise<T>;
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => Promise<T>;
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => Promise<T>;
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => Promise<T>;
  delete: <T>(path: string, options?: RequestOptions) => Promise<T>;
  /** A raw-body upload through XMLHttpRequest, the one browser API that reports upload progress. */
  upload: <T>(path: string, file: Blob, options?: UploadOptions) => Promise<T>;
  /** A response body as a Blob (downloads, previews); the server marks content `no-store`. */
  blob: (path: string, options?: RequestOptions) => Promise<{ blob: Blob; headers: Headers }>;
};

const sessionEndingCodes = new Set(['identity.unauthenticated', 'identity.session_required']);

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function createApiClient(hooks: ApiClientHooks): ApiClient {
  function headersFor(method: string, extra: Record<string, string> | undefined, hasBody: boolean) {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (hasBody) headers['content-type'] ??= 'application/json';
    const csrf = hooks.getCsrfToken();
    if (method !== 'GET' && method !== 'HEAD' && csrf !== undefined) headers['x-csrf-token'] = csrf;
    return headers;
  }

  async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const hasBody = options.body !== undefined;
    const init: RequestInit = {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: headersFor(method, options.headers, hasBody),
    };
    if (hasBody) init.body = JSON.stringify(options.body);
    if (options.signal !== undefined) init.signal = options.signal;
    try {
      return await fetch(path, init);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw networkError();
    }
  }

  async function failure(response: Response): Promise<ApiError> {
    const problem = toProblem(response.status, await readJson(response), response.headers.get('retry-after'));
    if (sessionEndingCodes.has(problem.code)) hooks.onSessionEnded();
    return new ApiError(problem);
  }

  async function respond(method: string, path: string, options: RequestOptions): Promise<Response> {
    const response = await send(method, path, options);
    if (response.ok) return response;
    const error = await failure(response);
    if (error.code === 'identity.step_up_required' && options.skipStepUp !== true) {
      if (await hooks.onStepUpRequired()) {
        const retried = await send(method, path, options);
        if (retried.ok) return retried;
        throw await failure(retried);
      }
    }
    throw error;
  }

  async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await respond(method, path, options);
    return (await readJson(response)) as T;
  }

  function upload<T>(path: string, file: Blob, options: UploadOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      const headers = headersFor(
        'POST',
        { 'content-type': file.type || 'application/octet-stream', ...options.headers },
        false,
      );
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) =>
        options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
      xhr.onload = () => {
        let body: unknown;
        try {
          body = xhr.responseText === '' ? undefined : (JSON.parse(xhr.responseText) as unknown);
        } catch {
          body = undefined;
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(body as T);
          return;
        }
        const problem = toProblem(xhr.status, body, xhr.getResponseHeader('retry-after'));
        if (sessionEndingCodes.has(problem.code)) hooks.onSessionEnded();
        reject(new ApiError(problem));
      };
      xhr.onerror = () => reject(networkError());
      xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
      if (options.signal?.aborted === true) {
        reject(new DOMException('The upload was cancelled.', 'AbortError'));
        return;
      }
      options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(file);
    });
  }

  return {
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options) => request('POST', path, { ...options, body }),
    put: (path, body, options) => request('PUT', path, { ...options, body }),
    patch: (path, body, options) => request('PATCH', path, { ...options, body }),
    delete: (path, options) => request('DELETE', path, options),
    upload,
    async blob(path, options = {}) {
      const response = await respond('GET', path, options);
      return { blob: await response.blob(), headers: response.headers };
    },
  };
}

/** Encodes one path segment: ids come from the server, but nothing is pasted into a URL raw. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
