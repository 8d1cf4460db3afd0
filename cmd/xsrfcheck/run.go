// The command line (flags, secrets from the environment or standard
// input, warnings about secrets given as arguments) and run, the whole
// command from arguments to exit status.

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// options are the parsed command line.
type options struct {
	target        *url.URL // without ?token=
	token         string
	tokenFrom     string // "JUPYTER_TOKEN" when the token came from there
	password      string
	passwordStdin bool
	user          string
	parents       []*http.Cookie // --parent-xsrf
	readOnly      bool
	json          bool
	timeout       time.Duration
	// exposed lists the secrets given as arguments, which other users of
	// the machine can read.
	exposed []exposure
}

// tokenEnv is the environment variable the token may come from: Jupyter's
// own name for it.
const tokenEnv = "JUPYTER_TOKEN"

// exposure is a secret given as an argument: what it is, and the safer way
// to give it.
type exposure struct{ what, instead string }

var (
	tokenFlag    = exposure{"the token given with --token", "set " + tokenEnv + " instead"}
	tokenInURL   = exposure{"the token in the URL (?token=)", "set " + tokenEnv + " instead and leave it out of the URL"}
	passwordFlag = exposure{"the password given with --password", "pipe it to --password-stdin instead"}
)

const usage = `usage: xsrfcheck [flags] URL

Checks the XSRF setup of the Jupyter server at URL (any of its pages; it may
carry ?token=) the way a browser meets it, and says how to fix what is wrong.
Exit status: 0 healthy, 1 a problem found, 2 usage or connection error.

Secrets: a token or password given as an argument (--token, --password, or
?token= in URL) is visible to other users of the machine and stays in the
shell's history. Set JUPYTER_TOKEN to the token instead (used when there is
no token or password on the command line), or pipe the password in:
    xsrfcheck --password-stdin URL < file

flags:
`

// parentFlag collects --parent-xsrf PATH=VALUE.
type parentFlag struct{ cookies *[]*http.Cookie }

// String is the flag's default for the usage text: none.
func (p parentFlag) String() string { return "" }

// Set adds one --parent-xsrf PATH=VALUE as an _xsrf cookie on PATH.
func (p parentFlag) Set(s string) error {
	path, value, ok := strings.Cut(s, "=")
	u, err := url.Parse(path)
	if !ok || value == "" || err != nil || u.Path != path || !strings.HasPrefix(path, "/") || strings.Contains(path, "..") {
		return errors.New("want PATH=VALUE with an absolute path, such as /=2|1a2b|3c4d|1700000000")
	}
	*p.cookies = append(*p.cookies, &http.Cookie{Name: "_xsrf", Value: value, Path: path})
	return nil
}

// parseArgs reads the command line; flags may come before or after URL.
func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("xsrfcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.token, "token", "", "log in with the server's `token`; other users of the machine see it: prefer $"+tokenEnv)
	fs.StringVar(&o.password, "password", "", "log in with a `password` (on JupyterHub: the hub's); other users of the machine see it: prefer --password-stdin")
	fs.BoolVar(&o.passwordStdin, "password-stdin", false, "log in with the password on the first line of standard input")
	fs.StringVar(&o.user, "user", "", "the JupyterHub user `name` (default: from /user/NAME/ in URL)")
	fs.Var(parentFlag{&o.parents}, "parent-xsrf", "an _xsrf cookie another server left on a parent `PATH=VALUE` of the base URL; repeatable")
	fs.BoolVar(&o.readOnly, "read-only", false, "write nothing on the server: skip the save checks")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Second, "how long to wait for each answer")
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return o, err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fs.Usage()
		return o, fmt.Errorf("want one URL, got %d arguments", len(rest))
	}
	u, err := url.Parse(rest[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return o, fmt.Errorf("not a URL: %q (want http://host:port/ or https://…, such as http://127.0.0.1:8888/tree)", rest[0])
	}
	if o.timeout <= 0 {
		return o, fmt.Errorf("--timeout must be positive")
	}
	if o.password != "" && o.passwordStdin {
		return o, fmt.Errorf("--password and --password-stdin: give the password one way")
	}
	if o.token != "" {
		o.exposed = append(o.exposed, tokenFlag)
	}
	if o.password != "" {
		o.exposed = append(o.exposed, passwordFlag)
	}
	q := u.Query()
	if t := q.Get("token"); t != "" {
		o.exposed = append(o.exposed, tokenInURL)
		if o.token == "" {
			o.token = t
		}
	}
	q.Del("token")
	u.RawQuery = q.Encode()
	u.Fragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	o.target = u
	if o.user == "" {
		if rest, ok := strings.CutPrefix(u.Path, "/user/"); ok {
			o.user, _, _ = strings.Cut(rest, "/")
		}
	}
	return o, nil
}

// readSecrets completes o with the secrets that are not arguments: the
// password from stdin (--password-stdin), and the token from getenv's
// JUPYTER_TOKEN when there is neither a token nor a password.
func (o *options) readSecrets(getenv func(string) string, stdin io.Reader) error {
	if o.passwordStdin {
		p, err := readPassword(stdin)
		if err != nil {
			return err
		}
		o.password = p
	}
	if o.token == "" && o.password == "" {
		if t := getenv(tokenEnv); t != "" {
			o.token, o.tokenFrom = t, tokenEnv
		}
	}
	return nil
}

// readPassword returns the first line of r without its line ending.
func readPassword(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	if !sc.Scan() && sc.Err() != nil {
		return "", fmt.Errorf("--password-stdin: reading standard input: %v", sc.Err())
	}
	if sc.Text() == "" {
		return "", errors.New("--password-stdin: no password on standard input (it reads the first line, as in: xsrfcheck --password-stdin URL < file)")
	}
	return sc.Text(), nil
}

// warnExposed warns on stderr about each secret given as an argument,
// without printing it.
func warnExposed(o options, stderr io.Writer) {
	for _, e := range o.exposed {
		fmt.Fprintf(stderr, "xsrfcheck: warning: %s is visible to other users of this machine (ps) and stays in your shell's history; %s\n", e.what, e.instead)
	}
}

// run is the whole command: it returns the exit status. getenv and stdin
// are the process's (os.Getenv, os.Stdin) or a test's.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil {
		warnExposed(o, stderr)
		err = o.readSecrets(getenv, stdin)
	}
	if err != nil {
		fmt.Fprintf(stderr, "xsrfcheck: %v\n", err)
		return 2
	}
	rep := &report{URL: o.target.String()}
	err = diagnose(ctx, o, rep)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted")
	}
	code := rep.finish(err)
	if o.json {
		rep.writeJSON(stdout)
	} else {
		rep.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "xsrfcheck: %v\n", err)
	}
	return code
}
