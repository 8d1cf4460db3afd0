// ---- The web platform --------------------------------------------------
//
// What the page layer uses of the browser (DOM, fetch, XMLHttpRequest),
// captured like the language's built-ins (builtins.js), the document it
// runs in, and the limits the other parts share. In a document with an
// opaque origin (Jupyter serves user files sandboxed) the page layer stops
// here and does nothing; so it does when it comes after the page's own
// scripts (Firefox runs SaveKeeper's scripts in the pages open when it is
// installed): what it captured could be theirs, and the relay, which came
// as late, does not link it either (relay.js). Such a page is reloaded.

if (self.origin !== location.origin) return;
if (document.readyState !== 'loading') return;

const URL_ = URL;
const Request_ = Request;
const Response_ = Response;
const Headers_ = Headers;
const Event_ = Event;
const ProgressEvent_ = ProgressEvent;
const CustomEvent_ = CustomEvent;
const MutationObserver_ = MutationObserver;
const TextDecoder_ = TextDecoder;
const dispatchEvent = EventTarget.prototype.dispatchEvent;
const addEventListener = EventTarget.prototype.addEventListener;
const removeEventListener = EventTarget.prototype.removeEventListener;
const getElementById = Document.prototype.getElementById;
const getAttribute = Element.prototype.getAttribute;
const hasAttribute = Element.prototype.hasAttribute;
// getter returns the native getter of a document property, wherever the
// browser defines it (Document or HTMLDocument).
const getter = (name) => (getOwnPropertyDescriptor(Document.prototype, name) ||
  getOwnPropertyDescriptor(HTMLDocument.prototype, name)).get;
const cookieGetter = getter('cookie');
const bodyGetter = getter('body');
const readyStateGetter = getter('readyState');
const textContentGetter = getOwnPropertyDescriptor(Node.prototype, 'textContent').get;
const baseURIGetter = getOwnPropertyDescriptor(Node.prototype, 'baseURI').get;
const detailGetter = getOwnPropertyDescriptor(CustomEvent_.prototype, 'detail').get;
const requestClone = Request_.prototype.clone;
const requestText = Request_.prototype.text;
const responseClone = Response_.prototype.clone;
const headersGet = Headers_.prototype.get;
const headersHas = Headers_.prototype.has;
const headersSet = Headers_.prototype.set;
const getReader = ReadableStream.prototype.getReader;
const readerRead = ReadableStreamDefaultReader.prototype.read;
const readerCancel = ReadableStreamDefaultReader.prototype.cancel;
const decode = TextDecoder_.prototype.decode;

const nativeFetch = G.fetch;
const XHR = G.XMLHttpRequest;
const xhrProto = XHR.prototype;
const xhrStatus = getOwnPropertyDescriptor(xhrProto, 'status').get;
const xhrResponseType = getOwnPropertyDescriptor(xhrProto, 'responseType').get;
const xhrResponseText = getOwnPropertyDescriptor(xhrProto, 'responseText').get;
const xhrResponse = getOwnPropertyDescriptor(xhrProto, 'response').get;
const xhr = {
  open: xhrProto.open,
  send: xhrProto.send,
  setRequestHeader: xhrProto.setRequestHeader,
  abort: xhrProto.abort,
  getResponseHeader: xhrProto.getResponseHeader,
};

const doc = document;
const loc = location;
const pageOrigin = loc.origin;

const MAX_BODY = 16 * 1024; // what the engine reads of a refused response
