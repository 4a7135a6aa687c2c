import { useState } from "preact/hooks";

// Asks for the administrator secret (printed by the server at its first start, kept in
// admin.secret beside its certificate).
export function AdminLogin({ error, onSecret }: { error: string | null; onSecret: (secret: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <form class="row" data-testid="admin-login" onSubmit={(e) => (e.preventDefault(), value.trim() && onSecret(value.trim()))}>
      <input
        class="grow"
        type="password"
        autoComplete="current-password"
        value={value}
        onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        placeholder="Administrator secret (admin.secret on the server)"
        aria-label="Administrator secret"
        data-testid="admin-secret"
      />
      <button type="submit" class="primary" data-testid="admin-submit">
        Sign in
      </button>
      {error && (
        <p class="notice error" role="alert" data-testid="admin-error">
          {error}
        </p>
      )}
    </form>
  );
}
