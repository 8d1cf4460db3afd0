// Command xsrfcheck diagnoses a Jupyter server's XSRF setup from the
// terminal: it talks to the server as a browser would (a cookie jar, a
// login, the pages and API requests a notebook makes) and says in plain
// words why saves fail with "'_xsrf' argument missing" or "XSRF cookie does
// not match", and how to fix it. It shares SaveKeeper's XSRF model (package
// wasm/xsrf), so the tool and the extension never disagree.
//
// Install it with Go 1.26 or later (it lands in $(go env GOPATH)/bin), or
// run it from a checkout of the repository with go run ./cmd/xsrfcheck:
//
//	go install github.com/savekeeper/savekeeper/cmd/xsrfcheck@latest
//
// Usage:
//
//	xsrfcheck [flags] URL
//	xsrfcheck --version
//	xsrfcheck --help
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
//	--read-only        send no save: skip the save checks
//	--json             print the report as JSON
//	--timeout D        for each request (default 20s)
//	--version          print "xsrfcheck <version>" (SaveKeeper's release
//	                   version) and exit
//	-h, --help         print the usage on standard output and exit
//
// A mistake on the command line (an unknown flag, a flag without its
// value, no URL) is one line on standard error naming it, then "Run
// 'xsrfcheck --help' for usage.", and exit status 2.
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
// The save checks write nothing on the server: each saves the server's top
// folder as a folder (PUT <base>api/contents/ with {"type": "directory"}),
// which Jupyter's contents API accepts, past the same XSRF check as any
// save, without changing anything. So no file, no .ipynb_checkpoints
// folder and nothing in the trash is left behind, even when a check fails
// or the run is interrupted. (A scratch file would have to be deleted, and
// Jupyter answers a DELETE by making an .ipynb_checkpoints folder beside
// the file, which its contents API cannot remove.) The server still runs
// its pre- and post-save hooks for that folder (a hook that does not look
// at the model's type may act on it), and a custom contents manager may
// do more than the default one, which does nothing. When the answer says
// the folder is not writable, the save check is a warning: the token
// passed, but saving a file there would fail for that.
//
// --json prints the report as one JSON object: "schema" (1, the version of
// this layout), "url", "server" (once the server was named), "checks" (a
// list of {"id", "status", "summary", "fix"}; empty, never null, when the
// run stopped before its first check), "problems", "warnings", "verdict"
// (healthy, problems or error) and, for an error, "error". A usage error
// or --help prints no report.
//
// Exit status:
//
//	0  healthy (warnings allowed); also --help and --version
//	1  a check found a problem
//	2  bad input: a usage error, a URL where something answers that is not
//	   a Jupyter server (another site, a page that is not Jupyter's, a
//	   redirect that leaves the base URL), a token or password refused, a
//	   login on another site; also an interrupted run
//	3  the server could not be reached: no HTTP answer at all (nothing
//	   listens at the address or at the HTTP_PROXY, its name does not
//	   resolve, the connection was reset or timed out before an answer),
//	   or a proxy's 502, 503 or 504 for a Jupyter behind it that does not
//	   answer
//
// An answer that is not a Jupyter server's is 2, not 3: the address works
// and trying again will not help; the URL (or the proxy in front of the
// server) needs changing.
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
// prints the report so far), a second one ends the process.
func main() {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		signal.Stop(signals) // a second Ctrl-C ends the program at once
		fmt.Fprintln(os.Stderr, "xsrfcheck: interrupted; stopping (Ctrl-C again to quit now)")
		cancel()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
