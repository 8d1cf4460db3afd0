package main

import (
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
	target   *url.URL // without ?token=
	token    string
	password string
	user     string
	parents  []*http.Cookie // --parent-xsrf
	readOnly bool
	json     bool
	timeout  time.Duration
}

const usage = `usage: xsrfcheck [flags] URL

Checks the XSRF setup of the Jupyter server at URL (any of its pages; it may
carry ?token=) the way a browser meets it, and says how to fix what is wrong.
Exit status: 0 healthy, 1 a problem found, 2 usage or connection error.

flags:
`

// parentFlag collects --parent-xsrf PATH=VALUE.
type parentFlag struct{ cookies *[]*http.Cookie }

func (p parentFlag) String() string { return "" }

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
	fs.StringVar(&o.token, "token", "", "log in with the server's `token`")
	fs.StringVar(&o.password, "password", "", "log in with a `password` (on JupyterHub: the hub's)")
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
	q := u.Query()
	if t := q.Get("token"); t != "" && o.token == "" {
		o.token = t
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

// run is the whole command: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
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
