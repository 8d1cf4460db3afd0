// Command xsrfcheck diagnoses a Jupyter server's XSRF setup from the
// terminal: it talks to the server as a browser would (a cookie jar, a
// login, the pages and API requests a notebook makes) and says in plain
// words why saves fail with "'_xsrf' argument missing" or "XSRF cookie does
// not match", and how to fix it. It shares SaveKeeper's XSRF model (package
// wasm/xsrf), so the tool and the extension never disagree.
//
// Usage:
//
//	xsrfcheck [flags] URL
//
// URL is any page of the server, such as http://127.0.0.1:8888/tree or
// http://hub.example.org/user/alice/lab; it may carry ?token=. Flags:
//
//	--token T          log in with the server's token
//	--password P       log in with a password (on JupyterHub: the hub's)
//	--password-stdin   log in with the password on the first line of
//	                   standard input (its line ending dropped)
//	--user NAME        the JupyterHub user (default: from /user/NAME/ in URL)
//	--parent-xsrf P=V  an _xsrf cookie another server left on path P (a
//	                   parent of this server's base URL), as the browser's
//	                   cookie list shows it; repeatable
//	--read-only        write nothing: skip the save checks
//	--json             print the report as JSON
//	--timeout D        for each request (default 20s)
//
// Secrets: the token may also come from the environment variable
// JUPYTER_TOKEN, which is used when the command line has neither a token
// (--token, ?token=) nor a password. A token or password given as an
// argument is visible to other users of the machine (ps) and stays in the
// shell's history: xsrfcheck then warns on stderr, naming JUPYTER_TOKEN or
// --password-stdin, and never printing the secret. An empty standard input
// with --password-stdin is exit status 2.
//
// The password and the login form go only to the origin of URL: a login
// form on another site, or a login answered with a redirect to another
// origin (a 307 or 308 would send the form again), stops the run with exit
// status 2 before anything is sent there.
//
// The save checks write a scratch file, xsrfcheck-<random>.txt, at the top
// of the server's files, and always remove it, even when a check fails or
// the run is interrupted.
//
// Exit status: 0 when the setup is healthy (warnings allowed), 1 when a
// check found a problem, 2 for usage errors and when no Jupyter server
// could be reached or logged into.
//
// Example, with a proxy in front of the server that drops X-XSRFToken:
//
//	$ go run ./cmd/xsrfcheck 'http://127.0.0.1:8080/tree?token=…'
//	server   Notebook 6.4.12 (classic UI), tornado 6.2, base URL /
//	ok       login          logged in with the token
//	ok       cookie         _xsrf set by GET /tree
//	...
//	problem  save           the save was refused (HTTP 403 "'_xsrf' argument missing from POST") although it carried X-XSRFToken; …
//	                        fix: make the proxy in front of Jupyter pass the X-XSRFToken request header through (and X-CSRFToken)
//	ok       no-token       a save without it was refused, as it should be: "'_xsrf' argument missing from POST"
//	ok       cleanup        scratch file xsrfcheck-a730f0cc.txt removed
//	1 problem, 0 warnings: saves from a browser will fail or are unsafe; see the fixes above
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// main runs the command; the first interrupt cancels the run (which still
// removes its scratch file), a second one ends the process.
func main() {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		signal.Stop(signals) // a second Ctrl-C ends the program at once
		fmt.Fprintln(os.Stderr, "xsrfcheck: interrupted; removing the scratch file (Ctrl-C again to quit now)")
		cancel()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
