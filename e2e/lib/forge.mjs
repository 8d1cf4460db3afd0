// Forged messages, as a hostile script in a Jupyter page would send them
// to SaveKeeper's relay: used by hostile.test and org.test to show that
// such a script gets nothing of another server.

/** A refusal's body as Jupyter sends it. */
const MISSING = '{"message": "\'_xsrf\' argument missing from POST", "reason": null}';

/**
 * Runs in the page: dispatches each of `messages` ([msg, body?]) as the
 * relay's request event on a target: this page's document ('self'), the
 * document of the window this page opened with window.open ('opened'), or
 * the element this page took from that window's page layer ('channel'),
 * listens for the relay's replies there for `wait` ms, and resolves to one
 * answer per message: {reply, body}, or null when nothing answered.
 */
function forgeAll(messages, where, wait) {
  const doc = { self: document, opened: window.__opened && window.__opened.document, channel: window.__channel }[where];
  const Event = where === 'self' ? CustomEvent : window.__opened.CustomEvent;
  const answers = messages.map(() => null);
  const ids = messages.map((m, i) => `forged-${i}-${Math.random()}`);
  const onReply = (event) => {
    const d = String(event.detail);
    const cut = d.indexOf('\n');
    let head;
    try {
      head = JSON.parse(cut >= 0 ? d.slice(0, cut) : d);
    } catch (e) {
      return;
    }
    const i = ids.indexOf(head.id);
    if (i >= 0) answers[i] = { reply: head.reply, body: cut >= 0 ? d.slice(cut + 1) : null };
  };
  doc.addEventListener('savekeeper:reply', onReply, true);
  messages.forEach(([msg, body], i) => {
    let detail = JSON.stringify({ id: ids[i], msg });
    if (body !== undefined) detail += `\n${body}`;
    doc.dispatchEvent(new Event('savekeeper:request', { detail }));
  });
  return new Promise((resolve) => setTimeout(() => {
    doc.removeEventListener('savekeeper:reply', onReply, true);
    resolve(answers);
  }, wait));
}

/** Forges `messages` from `page` (see forgeAll) and returns the answers. */
export function forge(page, messages, { where = 'self', wait = 2000 } = {}) {
  return page.evaluate(forgeAll, messages, where, wait);
}

/** Every message a page layer may send, for a server's save URL and kept save id. */
export function everyMessage(save, id, base) {
  return [
    [{ type: 'hello', flavor: 'classic', baseUrl: base }],
    [{ type: 'failed', url: save, method: 'PUT', status: 403, contentType: 'application/json', body: MISSING, sentToken: '' }],
    [{ type: 'renewed', lease: 'guessed', status: 200, finalUrl: save }],
    [{ type: 'rescue', url: save, method: 'PUT', status: 0 }, '{"type":"notebook","content":{}}'],
    [{ type: 'due' }],
    [{ type: 'check', id, status: 404 }],
    [{ type: 'body', id }],
    [{ type: 'finished', id, method: 'PUT', status: 200, ok: true }],
    [{ type: 'outcome', url: save, method: 'PUT', status: 200, ok: true }],
  ];
}
