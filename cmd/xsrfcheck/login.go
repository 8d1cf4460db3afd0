// The first page: loading the URL the user named, and logging in on the
// way with the token or the password (on JupyterHub, the hub's form).

package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// open loads the page the user named, logging in on the way, and says how
// it got in.
func open(ctx context.Context, s *session, o options) (reply, string, error) {
	start := *o.target
	if o.token != "" {
		q := start.Query()
		q.Set("token", o.token)
		start.RawQuery = q.Encode()
	}
	r, err := s.do(ctx, "GET", start.String(), nil, nil)
	if err != nil {
		return r, "", err
	}
	from := ""
	if o.tokenFrom != "" {
		from = " from " + o.tokenFrom
	}
	if !isLogin(r.final) {
		if o.token != "" {
			return r, "logged in with the token" + from, nil
		}
		return r, "no login needed", nil
	}
	switch {
	case originOf(r.final) != originOf(o.target):
		return r, "", fmt.Errorf("the login is on another site (%s): xsrfcheck sends a password only to the server's own login form; give the server's token (%s or --token)", r.final.Host, tokenEnv)
	case o.token != "":
		return r, "", fmt.Errorf("wrong token%s: the server answered with its login page (%s)", from, r.final.Path)
	case o.password == "":
		return r, "", fmt.Errorf("the server asks for a login (%s): pass --token or --password-stdin, or set %s", r.final.Path, tokenEnv)
	}
	hub := strings.Contains(r.final.Path, "/hub/login")
	form := url.Values{"password": {o.password}}
	if hub {
		if o.user == "" {
			return r, "", fmt.Errorf("JupyterHub asks who you are: pass --user")
		}
		form.Set("username", o.user)
	}
	token := formXSRF(r.body)
	if token == "" {
		if vals := s.xsrfCookies(r.final.String()); len(vals) > 0 {
			token = vals[0]
		}
	}
	if token != "" {
		form.Set("_xsrf", token)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Referer": {r.final.String()}}
	r2, err := s.do(ctx, "POST", r.final.String(), h, []byte(form.Encode()))
	var off offOrigin
	if errors.As(err, &off) {
		return r2, "", fmt.Errorf("the login redirects to another site (%s), where xsrfcheck does not send the password: run it with a URL of that site, or give the server's token (%s or --token)", off.origin, tokenEnv)
	}
	if err != nil {
		return r2, "", err
	}
	if isLogin(r2.final) || r2.status >= 400 {
		if hub {
			return r2, "", fmt.Errorf("JupyterHub refused the login of %s (HTTP %d): wrong user or password", o.user, r2.status)
		}
		return r2, "", fmt.Errorf("wrong password: the server answered the login with HTTP %d at %s", r2.status, r2.final.Path)
	}
	if hub {
		return r2, fmt.Sprintf("logged in to JupyterHub as %s with the password", o.user), nil
	}
	return r2, "logged in with the password", nil
}
