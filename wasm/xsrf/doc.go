// Package xsrf is SaveKeeper's model of Jupyter's XSRF protection: which
// `_xsrf` cookie a server reads, what a 403 response body means, and how a
// server's cookie is renewed. It has no JavaScript dependencies and is shared
// by the extension's engine and the xsrfcheck tool.
//
// # How Jupyter checks XSRF
//
// Tornado (and so Notebook 6, jupyter_server and JupyterHub before 4.1)
// compares the X-XSRFToken header with the `_xsrf` cookie received on the
// same request. When several `_xsrf` cookies are sent (different paths),
// tornado takes the last one in the Cookie header, which browsers order by
// path length, longest first: the least specific path wins. JupyterHub 4.1
// and later sign the token and take the first cookie whose signature is
// valid.
//
// A page under the server's base URL sets a fresh cookie when none can be
// decoded; API requests never do. So a missing or undecodable cookie is
// renewed by loading a page (`<base>tree` for the classic UI, `<base>lab`
// for JupyterLab), while a cookie shadowed by another one is fixed by
// sending the cookie the server reads.
//
// # 403 bodies
//
// Jupyter answers a refused API request with JSON {"message": …}. Classify
// maps the message to a Kind; anything it does not recognise (Forbidden,
// Permission denied, HTML from a proxy, an empty body) is not something a
// new token can fix, and the caller must not retry it.
package xsrf
