// Package engine is SaveKeeper's decision maker. It runs in the
// extension's background (compiled to WebAssembly) and answers the page
// layer, which wraps fetch and XMLHttpRequest in each Jupyter tab, and the
// popup. It has no JavaScript dependencies: the browser's cookie store and
// storage reach it through the CookieStore and Store interfaces, which the
// jsbridge package implements.
//
// # Protocol
//
// Every message is a JSON object with a "type"; Handle decodes it, checks
// it against the sender the browser reported (never what the page claims),
// and returns a JSON Reply.
//
//	hello    page → engine  {flavor, baseUrl, hub}: this tab is a Jupyter page
//	failed   page → engine  {url, method, status, contentType, body, sentToken}:
//	                        a request the page layer sent was refused
//	renewed  page → engine  {lease, status, finalUrl}: the renewal page load
//	                        the engine asked for has finished
//	outcome  page → engine  {url, method, ok, recovered}: how a request ended
//	status   popup → engine {tabId, url}: the status of the server shown in
//	                        that tab, if it still shows url under that server
//
// A "failed" message gets one of three answers:
//
//	{action: "retry", token}            send the request again with this token
//	{action: "renew", renewUrl, lease}  load renewUrl (same origin), then send "renewed"
//	{action: "give-up", reason}         hand the refusal to Jupyter unchanged
//
// # Rules
//
// The engine reads every `_xsrf` cookie that the browser would send with
// the refused request and picks the one the server compares with (see
// package xsrf). If that token differs from the one the page sent, the
// answer is to retry with it: this fixes a shadowing cookie, an HttpOnly
// cookie, and a cookie that another tab has just renewed. Otherwise, for a
// missing or undecodable token, one tab of the server is asked to renew
// while the others wait for its result, so a server sees one renewal however
// many tabs fail at once. A login that has expired, and every refusal that
// is not about XSRF, is given up at once: SaveKeeper never loops.
package engine
