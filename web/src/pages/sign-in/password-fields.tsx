/** The username and new-password fields of the setup and invitation forms, with the server's rules. */
export function UsernameField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <>
      <label htmlFor="username">Username</label>
      <input
        id="username"
        name="username"
        autoComplete="username"
        required
        minLength={3}
        maxLength={64}
        pattern="[a-z0-9][a-z0-9._\-]{2,63}"
        aria-describedby="username-help"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      <p id="username-help" className="help">
        Lowercase letters, digits, dots, hyphens and underscores.
      </p>
    </>
  );
}

export function NewPasswordField({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  return (
    <>
      <label htmlFor="new-password">New password</label>
      <input
        id="new-password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        maxLength={256}
        aria-describedby="password-help"
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      <p id="password-help" className="help">
        At least 12 characters; a few unrelated words make a good one.
      </p>
    </>
  );
}
