import type { FastifyInstance } from 'fastify';

/**
 * The first-administrator page. The token travels in the URL fragment, which browsers never send to the
 * server, and it is consumed only by the form's explicit POST: mail scanners and link previews that fetch
 * the link consume nothing. The web UI replaces this page; its rules stay.
 */
const setupHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Set up Writ</title>
<link rel="stylesheet" href="/assets/writ.css">
<script src="/assets/setup.js" defer></script>
</head>
<body>
<main>
<h1>Set up Writ</h1>
<p>Create the first administrator. The administrator manages accounts and settings; it sees no matter's documents.</p>
<form id="setup" novalidate>
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required minlength="3" maxlength="64" pattern="[a-z0-9][a-z0-9._-]{2,63}" aria-describedby="username-help">
<p id="username-help" class="help">Lowercase letters, digits, dots, hyphens and underscores.</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" maxlength="256" aria-describedby="password-help">
<p id="password-help" class="help">At least 12 characters; a few unrelated words make a good one.</p>
<button type="submit">Create administrator</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`;

const setupJs = `'use strict';
(function () {
  var token = new URLSearchParams(location.hash.slice(1)).get('token');
  history.replaceState(null, '', location.pathname);
  var form = document.getElementById('setup');
  var status = document.getElementById('status');
  if (!token) {
    status.textContent = 'This page needs the setup link printed by writ serve. Open that link exactly as printed.';
    form.hidden = true;
    return;
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    status.textContent = 'Creating the administrator…';
    fetch('/api/setup', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token, username: form.username.value, password: form.password.value }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (response.ok) {
            form.hidden = true;
            status.textContent = 'Administrator ' + body.user.username + ' created. This link no longer works.';
          } else {
            status.textContent = body.detail || 'Setup failed.';
            button.disabled = false;
          }
        });
      })
      .catch(function () {
        status.textContent = 'Writ could not be reached. Check that the server is running and try again.';
        button.disabled = false;
      });
  });
})();
`;

const css = `body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:32rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
label{display:block;margin-top:1rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #8a939e;border-radius:4px}
.help{margin:.25rem 0 0;color:#4a525c;font-size:.9rem}
button{margin-top:1.5rem;padding:.7rem 1.2rem;font-size:1rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:disabled{opacity:.6}
#status{margin-top:1rem;font-weight:600}
`;

const landingHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Writ</title>
<link rel="stylesheet" href="/assets/writ.css">
</head>
<body>
<main>
<h1>Writ</h1>
<p>This server is running. The API is described at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</main>
</body>
</html>
`;

export function registerSetupPage(app: FastifyInstance): void {
  const noStore = 'no-store';
  app.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', noStore).send(landingHtml),
  );
  app.get('/setup', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', noStore).send(setupHtml),
  );
  app.get('/assets/setup.js', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(setupJs),
  );
  app.get('/assets/writ.css', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(css),
  );
}
