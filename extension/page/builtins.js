// ---- JavaScript built-ins ---------------------------------------------
//
// Every built-in of the language the page layer uses after injection,
// captured before any script of the page runs: a page that replaces
// String.prototype.split or JSON.parse later steers none of this code.
// Methods are called with apply(method, receiver, [args]).

const G = globalThis;
const { apply } = Reflect;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const create = Object.create;
const keys = Object.keys;
const isArray = Array.isArray;
const JSONparse = JSON.parse;
const JSONstringify = JSON.stringify;
const Promise_ = Promise;
const Proxy_ = Proxy;
const Map_ = Map;
const WeakMap_ = WeakMap;
const setTimeout_ = setTimeout;
const clearTimeout_ = clearTimeout;
const DateParse = Date.parse;
const dateNow = Date.now;
const min = Math.min;
const random = Math.random;
const decodeURIComponent_ = decodeURIComponent;
const startsWith = String.prototype.startsWith;
const endsWith = String.prototype.endsWith;
const toUpperCase = String.prototype.toUpperCase;
const toLowerCase = String.prototype.toLowerCase;
const split = String.prototype.split;
const includes = String.prototype.includes;
const indexOf = String.prototype.indexOf;
const slice = String.prototype.slice;
const charCodeAt = String.prototype.charCodeAt;
const arrayIndexOf = Array.prototype.indexOf;
const regexExec = RegExp.prototype.exec;
const mapGet = Map_.prototype.get;
const mapSet = Map_.prototype.set;
const mapDelete = Map_.prototype.delete;
const weakGet = WeakMap_.prototype.get;
const weakSet = WeakMap_.prototype.set;
const promiseThen = Promise_.prototype.then;

const noop = () => {};

// resolved returns a promise of value, without Promise.resolve (which a
// page can replace: Promise_ is the same object as the page's Promise).
function resolved(value) {
  return new Promise_((resolve) => resolve(value));
}

// bare is a JSON.parse reviver that gives every object no prototype: a
// page script that defines getters or setters on Object.prototype (for
// "then", "body", "action", …) sees nothing of a parsed reply and steers
// none.
function bare(key, value) {
  if (!value || typeof value !== 'object' || isArray(value)) return value;
  const out = create(null);
  const names = keys(value);
  for (let i = 0; i < names.length; i++) out[names[i]] = value[names[i]];
  return out;
}
