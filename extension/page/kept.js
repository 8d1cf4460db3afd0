// ---- Kept saves ----------------------------------------------------------
//
// A save that failed for the server's sake (no answer, login or token
// refused, a proxy's or the server's error) is kept: keep hands its body
// to the background, where the engine stores it. Then writeBack writes the
// kept saves of this server back once it answers: for each, it checks the
// file's version (versions.js checkFile), lets the engine decide (write,
// or keep it for the user when the file changed meanwhile), and sends the
// write through the guarded pipeline (fetch.js sendWithFetch). The popup's
// "Save now" starts a try at once.

const FIRST_PAUSE = 2000; // ms before the first try at writing kept saves back
const MAX_PAUSE = 15000; // the longest pause while the server does not answer
const MAX_RETRY_IN = 30 * 60 * 1000; // the engine's longest pause after a failed write

// keptInstead answers a save that was not sent: kept, or not even that.
function keptInstead(kept) {
  const message = kept
    ? 'SaveKeeper: the server did not say whether the file changed meanwhile; your save is kept and will be written once it answers'
    : 'SaveKeeper: the server did not say whether the file changed meanwhile, and your save could not be kept: save it again, or download a copy';
  return new Response_(JSONstringify({ message, reason: null }),
    { __proto__: null, status: 503, statusText: 'Service Unavailable', headers: { 'Content-Type': 'application/json' } });
}

// keepable tells whether a save that ended with status is kept: one the
// server did not answer, refused for the login or token, or for a while
// (408, 429, 5xx), or JupyterHub's 424 for a user's server that is not
// running. Others (400, 404, 409, 413, …) are the save's own fault, and
// trying them again would not help.
function keepable(status) {
  return status === 0 || status === 401 || status === 403 || status === 408 || status === 424 ||
    status === 429 || status >= 500;
}

// keep hands the body of a save that failed (body: a promise of it as a
// string, or of null when it cannot be read) to the background, where it
// is kept until the server takes it. Resolves to whether it was kept.
async function keep(url, key, status, reason, body) {
  let text;
  try {
    text = await body;
  } catch (e) {
    text = null;
  }
  if (typeof text !== 'string') return false;
  const basedOn = workedOn(key);
  const reply = await ask({ type: 'rescue', url, method: 'PUT', status, reason: reason || '', basedOn }, text);
  if (reply.action !== 'ok') return false;
  keptHere(key, text);
  scheduleWriteBack(FIRST_PAUSE);
  return true;
}

let writeBackTimer = 0;
let writingBack = false;
let writeBackPause = 0; // set while kept saves wait for the server

// scheduleWriteBack runs writeBack after ms, unless it is already due sooner.
function scheduleWriteBack(ms) {
  if (mode !== 'jupyter') return;
  if (writeBackTimer) clearTimeout_(writeBackTimer);
  writeBackTimer = setTimeout_(() => {
    writeBackTimer = 0;
    writeBack();
  }, ms);
}

// serverAnswered starts the next try at once when a request of the page
// shows the server is back.
function serverAnswered(response) {
  if (writeBackPause && response && response.ok && !writingBack) scheduleWriteBack(0);
}

// writeBack writes back the kept saves the engine says are due for this
// server, and tries again later while the server does not answer.
async function writeBack() {
  if (writingBack) return;
  writingBack = true;
  let waiting = false;
  let tried = 0;
  let retryIn = 0;
  try {
    const reply = await ask({ type: 'due' });
    const list = isArray(reply.rescues) ? reply.rescues : [];
    retryIn = typeof reply.retryIn === 'number' ? reply.retryIn : 0;
    for (let i = 0; i < list.length; i++) {
      tried++;
      if ((await writeBackOne(list[i])) === 'wait') waiting = true;
    }
  } finally {
    writingBack = false;
  }
  if (waiting) {
    writeBackPause = writeBackPause ? min(writeBackPause * 2, MAX_PAUSE) : FIRST_PAUSE;
    scheduleWriteBack(writeBackPause);
  } else {
    writeBackPause = 0;
    if (tried) scheduleWriteBack(FIRST_PAUSE); // whatever became due meanwhile
    else if (retryIn > 0) scheduleWriteBack(min(retryIn, MAX_RETRY_IN)); // a failed write's pause
  }
}

// writeBackOne tries one kept save (r: its id and URL): it asks the server
// for the file's version, lets the engine decide, and writes the body when
// the engine says so. It resolves to 'wait' while the server does not
// answer.
async function writeBackOne(r) {
  const url = r && typeof r.id === 'string' && typeof r.url === 'string' ? target(r.url) : '';
  if (!url) return 'skip';
  const { status, lastModified } = await checkFile(url);
  const verdict = await ask({ type: 'check', id: r.id, status, lastModified });
  if (verdict.action === 'wait' || !verdict.action) return 'wait';
  if (verdict.action !== 'write') return 'kept';
  const got = await ask({ type: 'body', id: r.id });
  const key = fileKey(url, true);
  const knew = apply(mapGet, versions, [key]); // the version Jupyter here works on
  let result = 0;
  const note = { reason: '' };
  if (typeof got.body === 'string') {
    try {
      const headers = new Headers_({ 'Content-Type': 'application/json' });
      const request = new Request_(url, { __proto__: null, method: 'PUT', body: got.body, headers, credentials: 'same-origin' });
      result = (await sendWithFetch(request, headers, url, '', false, got.body, note)).status;
    } catch (e) {
      result = 0;
    }
  }
  const ok = succeeded(result);
  if (ok) wroteBack(key, got.body, knew);
  await ask({ type: 'finished', id: r.id, method: 'PUT', status: result, ok, reason: note.reason });
  return ok ? 'written' : 'failed';
}

// The popup's "Save now" reaches the page through the relay.
apply(addEventListener, channel, [EVENT_FINISH, () => {
  writeBackPause = 0;
  scheduleWriteBack(0);
}]);
