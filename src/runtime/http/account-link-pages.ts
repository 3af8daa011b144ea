import type { FastifyInstance } from 'fastify';

/**
 * The pages behind invitation and password-reset links, with the setup page's rules: the token travels in
 * the URL fragment, which browsers never send to the server, the page removes it from the address bar at
 * once, and only the form's explicit POST consumes it, so mail scanners and link previews consume nothing.
 * Scripts are files (the CSP forbids inline ones). The web UI replaces these pages; their rules stay.
 */
type LinkPage = {
  path: '/invite' | '/reset';
  title: string;
  intro: string;
  fields: string;
  button: string;
  script: string;
};

const passwordField = `<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" maxlength="256" aria-describedby="password-help">
<p id="password-help" class="help">At least 12 characters; a few unrelated words make a good one.</p>`;

function pageHtml(page: LinkPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${page.title}</title>
<link rel="stylesheet" href="/assets/writ.css">
<script src="/assets${page.path}.js" defer></script>
</head>
<body>
<main>
<h1>${page.title}</h1>
<p>${page.intro}</p>
<form id="link-form" novalidate>
${page.fields}
<button type="submit">${page.button}</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`;
}

/** The page's script: takes the token from the fragment, then posts it with the form, once, on submit. */
function pageScript({
  endpoint,
  fields,
  done,
}: {
  endpoint: string;
  fields: string[];
  done: string;
}): string {
  return `'use strict';
(function () {
  var token = new URLSearchParams(location.hash.slice(1)).get('token');
  history.replaceState(null, '', location.pathname);
  var form = document.getElementById('link-form');
  var status = document.getElementById('status');
  if (!token) {
    status.textContent = 'This page needs the link you were given. Open that link exactly as you received it.';
    form.hidden = true;
    return;
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    status.textContent = 'Sending…';
    var body = { token: token };
    ${JSON.stringify(fields)}.forEach(function (name) {
      var value = form.elements[name].value;
      if (value !== '') body[name] = value;
    });
    fetch(${JSON.stringify(endpoint)}, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          if (response.ok) {
            form.hidden = true;
            status.textContent = ${JSON.stringify(done)};
          } else {
            status.textContent = answer.detail || 'That did not work.';
            button.disabled = false;
          }
        });
      })
      .catch(function () {
        status.textContent = 'Writ could not be reached. Try again in a moment.';
        button.disabled = false;
      });
  });
})();
`;
}

const pages: LinkPage[] = [
  {
    path: '/invite',
    title: 'Join Writ',
    intro:
      'You were invited to Writ. Choose a username and a password; you will then sign in and set up a second factor.',
    fields: `<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required minlength="3" maxlength="64" pattern="[a-z0-9][a-z0-9._-]{2,63}" aria-describedby="username-help">
<p id="username-help" class="help">Lowercase letters, digits, dots, hyphens and underscores.</p>
${passwordField}
<label for="email">E-mail address (optional)</label>
<input id="email" name="email" type="email" autocomplete="email" maxlength="254" aria-describedby="email-help">
<p id="email-help" class="help">Where Writ tells you about sign-ins and changes to your account.</p>`,
    button: 'Create my account',
    script: pageScript({
      endpoint: '/api/invitations/accept',
      fields: ['username', 'password', 'email'],
      done: 'Your account is ready and this link no longer works. Sign in to continue.',
    }),
  },
  {
    path: '/reset',
    title: 'Set a new password',
    intro:
      'An administrator sent you this link to set a new password. Every session of your account will be signed out.',
    fields: passwordField,
    button: 'Set password',
    script: pageScript({
      endpoint: '/api/password-resets/complete',
      fields: ['password'],
      done: 'Your password is set and this link no longer works. Sign in with it.',
    }),
  },
];

export function registerAccountLinkPages(app: FastifyInstance): void {
  for (const page of pages) {
    const html = pageHtml(page);
    app.get(page.path, { schema: { hide: true } }, (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html),
    );
    app.get(`/assets${page.path}.js`, { schema: { hide: true } }, (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(page.script),
    );
  }
}
