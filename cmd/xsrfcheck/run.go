// The command line (flags, --help and --version, usage errors, secrets
// from the environment or standard input, warnings about secrets given as
// arguments) and run, the whole command from arguments to exit status.

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

	savekeeper "github.com/savekeeper/savekeeper"
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
	version       bool // --version: print it and stop
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

Exit status:
  0  healthy (warnings allowed)
  1  a check found a problem
  2  bad input: a usage error, a URL where no Jupyter server answers (another
     site or page answers), a login refused; or the run was interrupted
  3  the server could not be reached: no answer at all, or a proxy's
     502, 503 or 504 for it

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

// usageError is a mistake on the command line: run prints it on one line,
// then a pointer to --help, and exits with status 2.
type usageError struct{ err error }

// Error is the mistake, as the flag package or parseArgs words it.
func (e usageError) Error() string { return e.err.Error() }

// Unwrap returns the mistake.
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError worded as fmt.Errorf words it.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// flags returns the command's flag set, which fills o and prints nothing:
// run prints the errors and the usage (writeUsage).
func flags(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("xsrfcheck", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.token, "token", "", "log in with the server's `token`; other users of the machine see it: prefer $"+tokenEnv)
	fs.StringVar(&o.password, "password", "", "log in with a `password` (on JupyterHub: the hub's); other users of the machine see it: prefer --password-stdin")
	fs.BoolVar(&o.passwordStdin, "password-stdin", false, "log in with the password on the first line of standard input")
	fs.StringVar(&o.user, "user", "", "the JupyterHub user `name` (default: from /user/NAME/ in URL)")
	fs.Var(parentFlag{&o.parents}, "parent-xsrf", "an _xsrf cookie another server left on a parent `PATH=VALUE` of the base URL; repeatable")
	fs.BoolVar(&o.readOnly, "read-only", false, "send no save: skip the save checks")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Second, "how long to wait for each answer")
	fs.BoolVar(&o.version, "version", false, "print xsrfcheck's version and exit")
	return fs
}

// writeUsage prints the usage, with every flag, on w (--help).
func writeUsage(w io.Writer) {
	fs := flags(&options{})
	fs.SetOutput(w)
	fmt.Fprint(w, usage)
	fs.PrintDefaults()
}

// parseArgs reads the command line; flags may come before or after URL.
// Its errors are flag.ErrHelp for --help and usageErrors; with --version
// it returns at once, without a URL.
func parseArgs(args []string) (options, error) {
	var o options
	fs := flags(&o)
	var rest []string
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return o, err
		case err != nil:
			return o, usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if o.version {
		return o, nil
	}
	switch len(rest) {
	case 0:
		return o, usagef("no URL: give a page of the server, such as http://127.0.0.1:8888/tree")
	case 1:
	default:
		return o, usagef("want one URL, got %d: %s", len(rest), quoteAll(rest))
	}
	u, err := url.Parse(rest[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return o, usagef("not a URL: %q (want http://host:port/ or https://…, such as http://127.0.0.1:8888/tree)", rest[0])
	}
	if o.timeout <= 0 {
		return o, usagef("--timeout must be positive")
	}
	if o.password != "" && o.passwordStdin {
		return o, usagef("--password and --password-stdin: give the password one way")
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

// quoteAll quotes each of args, separated by spaces.
func quoteAll(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = fmt.Sprintf("%q", a)
	}
	return strings.Join(q, " ")
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
	o, err := parseArgs(args)
	var bad usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		writeUsage(stdout)
		return exitHealthy
	case errors.As(err, &bad):
		fmt.Fprintf(stderr, "xsrfcheck: %v\nRun 'xsrfcheck --help' for usage.\n", bad)
		return exitBadInput
	case o.version:
		fmt.Fprintf(stdout, "xsrfcheck %s\n", savekeeper.Version)
		return exitHealthy
	}
	warnExposed(o, stderr)
	if err := o.readSecrets(getenv, stdin); err != nil {
		fmt.Fprintf(stderr, "xsrfcheck: %v\n", err)
		return exitBadInput
	}
	rep := newReport(o.target.String())
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
