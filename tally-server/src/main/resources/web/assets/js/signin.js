// Shows why the sign-in page was reached again: a wrong key, or a session that ended.
const reason = new URLSearchParams(location.search).get('error');
const messages = {
  invalid: 'That key was not accepted. Check it and try again (keys are shown once, when issued).',
  expired: 'Your session ended. Sign in again to continue.',
  name: 'That name was not accepted: at most 64 characters, no control characters.',
};
if (messages[reason]) {
  const box = document.getElementById('signin-error');
  box.textContent = messages[reason];
  box.hidden = false;
}
