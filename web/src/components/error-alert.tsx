import { ApiError, describeError } from '../api/problem';

/** An error as the person should read it, announced to screen readers, with the stable code for support. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  const fields = error instanceof ApiError ? (error.problem.errors ?? []) : [];
  return (
    <div className="alert alert-error" role="alert">
      <p>{describeError(error)}</p>
      {fields.length > 0 ? (
        <ul>
          {fields.map((field) => (
            <li key={`${field.path}:${field.message}`}>
              {field.path === '' ? '' : `${field.path.replace(/^\//, '')}: `}
              {field.message}
            </li>
          ))}
        </ul>
      ) : null}
      {code !== undefined ? <p className="alert-code">Error code: {code}</p> : null}
    </div>
  );
}
