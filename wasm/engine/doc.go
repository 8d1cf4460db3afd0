// Package engine is SaveKeeper's decision maker. It runs in the
// extension's background (compiled to WebAssembly) and answers the page
// layer, which wraps fetch and XMLHttpRequest in each Jupyter tab, the
// popup, the settings page and the background itself. It has no
// JavaScript dependencies: the browser's cookie store and storage reach it
// through the CookieStore and Store interfaces, which the jsbridge package
// implements.
//
// # Protocol
//
// Every message is a JSON object with a "type"; Handle decodes it
// (DecodeMessage), checks it against the sender the browser reported
// (never what the page claims), and returns a JSON Reply. The tables in
// protocol.go are the protocol's one source: DecodeMessage checks every
// message against them, FuzzDecodeMessage starts from them, and
// TestJavaScriptAgrees reads every script of the extension and fails when
// a script and the tables disagree. The lists below are written from the
// tables (go test -run TestDocListsTheProtocol -update-doc).
//
// # Messages
//
// Each message type, the fields it may carry (a page must send those marked
// !), the scripts that write it, and what it says:
//
// From a page: the page layer writes them, its relay forwards them, and the
// background adds what the browser says of the sender (Sender).
//
//	hello     {flavor, baseUrl, hub} (page)
//	          this tab shows a page of the Jupyter server at baseUrl; the
//	          answer lists the kept saves due
//	failed    {url, method!, status, contentType, body, sentToken, sentAt} (page)
//	          a request the page layer sent was refused (body: the start
//	          of the answer, sentToken: the X-XSRFToken it carried,
//	          sentAt: when, in ms since the epoch); the answer is an
//	          action
//	renewed   {lease!, status, finalUrl} (page)
//	          the renewal page load the engine asked for (lease) has
//	          ended
//	outcome   {url, method!, status, ok, recovered} (page)
//	          how a guarded request ended, for the popup's counts
//	due       {} (page)
//	          which kept saves of this page's server to write back now
//	check     {id!, status, lastModified} (page)
//	          kept save id's file as the server has it now (status 200 or
//	          404); the answer is write, keep or wait
//	finished  {id!, method, status, ok, reason} (page)
//	          how writing kept save id back ended
//
// From a page, with or for a kept save's body: the relay carries them over a
// port, and the background sends them for the page.
//
//	rescue    {url, method, status, reason, basedOn, id, size, lease} (page, background)
//	          keep this save: the page layer writes url, method, status,
//	          reason and basedOn; the background adds the id it stored
//	          the body under, its size and the lease may-keep gave
//	body      {id!} (page, background)
//	          may this page read kept save id's body, to write it back?
//
// From the background, for a page whose kept save it moves:
//
//	may-keep  {url, method, size} (background)
//	          may this page keep a save of size characters? Asked before
//	          the body leaves the page; the answer's lease names the
//	          leave
//
// From the extension's own pages and the background; never from a page:
//
//	status    {tabId, url} (popup, background, options)
//	          the status of the server shown in tab tabId, if it still
//	          shows url
//	tend      {} (background)
//	          extend `_xsrf` cookies that expire soon and drop kept saves
//	          older than the setting; retryIn says when to ask again
//	sweep     {ids} (background)
//	          which of these stored bodies belong to no kept save (a
//	          background stopped between storing one and recording it)
//	discard   {id} (popup, options)
//	          the user threw kept save id away
//	save-now  {id} (popup, options)
//	          write kept save id back whatever the server holds
//	settings  {keepDays} (options)
//	          keep saves that many days (0: only tell how many)
//	servers   {} (options)
//	          every server the engine knows, with its kept saves
//	forget    {url} (options)
//	          forget the server at url (origin and base URL) and drop its
//	          kept saves
//
// # Answers
//
// A reply's action says what the page does next:
//
//	ok        done; also the relay's answer to a body it fetched
//	retry     send the refused request again, once, with token
//	renew     load renewUrl (same origin), then send renewed with lease
//	give-up   hand the refusal to Jupyter unchanged; reason says why (the
//	          relay gives it up too)
//	write     write the kept save back now (answer to check)
//	keep      keep the save, do not write it (answer to check, due, body,
//	          finished)
//	wait      the server does not answer yet: ask again later (answer to
//	          check)
//
// Its reason says why the engine (or the relay, for the engine) gave up, why
// a server has a problem, or why a save is kept:
//
//	not-xsrf  the refusal is not about XSRF; never retried
//	login-required
//	          the login or token expired: no retry; kept saves wait for a
//	          new login; the popup shows it as a server's problem, the
//	          popup shows it as why a save is kept, the notice in the
//	          page tells it as a save that needs the user
//	mismatch-persists
//	          the server refuses the token it set; the popup shows it as
//	          a server's problem
//	no-cookie-after-renewal
//	          a renewal set no cookie; the popup shows it as a server's
//	          problem
//	renewal-timeout
//	          no tab reported the renewal in time; the popup shows it as
//	          a server's problem
//	renewal-failed
//	          the renewal failed; the popup shows it as a server's
//	          problem
//	renewal-failed-recently
//	          a renewal failed a moment ago, and the next waits; the
//	          popup shows it as a server's problem
//	renewal-needs-navigation
//	          this JupyterHub renews only on a navigation, and none may
//	          be opened now; the popup shows it as a server's problem
//	unknown-server
//	          the engine does not know the page's server: the reply asks
//	          it to say hello again
//	cookies-unreadable
//	          the engine cannot read the site's cookies; the popup shows
//	          it as a server's problem
//	cookie-httponly
//	          the only token is an HttpOnly cookie, which the page cannot
//	          read; the popup shows it as a server's problem
//	server-unreachable
//	          a kept save: the server did not answer; the popup shows it
//	          as why a save is kept, the notice in the page tells it as a
//	          save kept
//	server-error
//	          a kept save: the server failed to save it; the popup shows
//	          it as why a save is kept, the notice in the page tells it
//	          as a save kept
//	server-stopped
//	          a kept save: JupyterHub says the user's server is not
//	          running (424); the popup shows it as why a save is kept,
//	          the notice in the page tells it as a save kept
//	save-refused
//	          a kept save the server refused for another reason (the
//	          popup's WHY words it with its fallback); the notice in the
//	          page tells it as a save kept
//	changed-on-server
//	          a kept save not written back: the file changed on the
//	          server; the popup shows it as why a save is kept, the
//	          notice in the page tells it as a save that needs the user
//	opened-by-another-page
//	          with keep: a window another page of a JupyterHub opened
//	          writes no kept save back
//	no-such-rescue
//	          with keep: the engine keeps no such save (any more)
//	rate-limited
//	          (the relay) the page sent more messages than the relay lets
//	          through
//	engine-unreachable
//	          (the relay) the background did not answer the relay
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
//
// A save that still fails for the server's sake (no answer, a server
// error, an expired login) is kept: its body is stored in the background
// and the engine keeps the books (rescue.go, package rescue). A page of
// the same server writes it back when the engine says the server has the
// version the edit began from, or when the user says Save now.
package engine
