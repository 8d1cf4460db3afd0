// ---- The private channel to the relay, and ask ---------------------------
//
// The page layer talks to the engine in the background through the relay
// (relay.js, in the isolated world), over a private channel: an element
// the page layer shows the relay in one event, before any script of the
// page runs, then takes out of the document. No page script can dispatch
// or hear its events.
//
// The relay and the page layer both run before any script of the page, in
// either order (the manifest lists the relay first; scripts registered for
// a site the user enabled come in no set order). The page layer shows the
// relay its element, the relay answers on the element; if the relay was
// not there yet, it announces itself when it comes, and the page layer
// shows it the element then. Only the first counts.

const EVENT_CHANNEL = 'savekeeper:channel';
const EVENT_RELAY = 'savekeeper:relay';
const EVENT_LINKED = 'savekeeper:linked';
const EVENT_REQUEST = 'savekeeper:request';
const EVENT_REPLY = 'savekeeper:reply';
const EVENT_FINISH = 'savekeeper:finish';
const ASK_TIMEOUT = 30000; // the engine answers within its own renewal timeout
const BODY_TIMEOUT = 300000; // moving a kept save of many megabytes

const channel = doc.createElement('span');
let linked = false;
apply(addEventListener, channel, [EVENT_LINKED, () => { linked = true; }]);
function link() {
  const parent = doc.documentElement || doc;
  parent.appendChild(channel);
  apply(dispatchEvent, channel, [new CustomEvent_(EVENT_CHANNEL, { __proto__: null, bubbles: true })]);
  parent.removeChild(channel);
}
link();
if (!linked) {
  const onRelay = () => {
    if (!linked) link();
    if (linked) apply(removeEventListener, doc, [EVENT_RELAY, onRelay, true]);
  };
  apply(addEventListener, doc, [EVENT_RELAY, onRelay, true]);
}

const pending = new Map_(); // message id → the resolve of its ask
let seq = 0;

// A reply is a JSON string, followed by "\n" and the body of a kept save
// when it carries one (the answer to "body"). The event's detail is read
// with the browser's own getter: a page's getter would be handed the
// event, and with it the channel.
apply(addEventListener, channel, [EVENT_REPLY, (event) => {
  let detail = apply(detailGetter, event, []);
  if (typeof detail !== 'string') return;
  let body;
  const cut = apply(indexOf, detail, ['\n']);
  if (cut >= 0) {
    body = apply(slice, detail, [cut + 1]);
    detail = apply(slice, detail, [0, cut]);
  }
  let m;
  try {
    m = JSONparse(detail, bare);
  } catch (e) {
    return;
  }
  const resolve = m && apply(mapGet, pending, [m.id]);
  if (!resolve) return;
  apply(mapDelete, pending, [m.id]);
  const answer = m.reply && typeof m.reply === 'object' && !isArray(m.reply) ? m.reply : create(null);
  if (body !== undefined) answer.body = body; // an own property: answer has no prototype
  if (answer.sayHello === true) helloAgain();
  resolve(answer);
}]);

// ask sends msg (and the body of a save to keep, for "rescue") to the
// engine and resolves to its reply, an object without prototype (empty
// when there is none in time).
function ask(msg, body) {
  return new Promise_((resolve) => {
    seq += 1;
    const id = seq + '.' + apply(slice, '' + random(), [2, 10]);
    apply(mapSet, pending, [id, resolve]);
    setTimeout_(() => {
      if (apply(mapDelete, pending, [id])) resolve(create(null));
    }, body === undefined && msg.type !== 'body' ? ASK_TIMEOUT : BODY_TIMEOUT);
    // Without prototypes, so that no getter of the page's (toJSON) sees it.
    const plain = create(null);
    const names = keys(msg);
    for (let i = 0; i < names.length; i++) plain[names[i]] = msg[names[i]];
    let detail = JSONstringify({ __proto__: null, id, msg: plain });
    if (body !== undefined) detail += '\n' + body;
    apply(dispatchEvent, channel, [new CustomEvent_(EVENT_REQUEST, { __proto__: null, detail })]);
  });
}
