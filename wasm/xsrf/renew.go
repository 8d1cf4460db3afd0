package xsrf

import (
	"errors"
	"net/url"
	"strings"
)

// Flavor is the kind of Jupyter front end a page belongs to. It decides
// how the server's cookie is renewed.
type Flavor string

// The flavors SaveKeeper knows.
const (
	// Classic is Notebook 6 or nbclassic: detected from body[data-base-url].
	Classic Flavor = "classic"
	// Lab is JupyterLab 4, detected from #jupyter-config-data.
	Lab Flavor = "lab"
	// Notebook7 is Notebook 7, detected from #jupyter-config-data.
	Notebook7 Flavor = "notebook7"
)

// ParseFlavor returns the Flavor named s, or false.
func ParseFlavor(s string) (Flavor, bool) {
	switch f := Flavor(s); f {
	case Classic, Lab, Notebook7:
		return f, true
	}
	return "", false
}

// ErrBaseURL is returned for a base URL that is not an absolute path
// ending in "/".
var ErrBaseURL = errors.New("base URL must be an absolute path that starts and ends with /")

// CleanBaseURL checks a server's base URL (a path such as "/" or
// "/user/alice/") and returns it unchanged, or ErrBaseURL. Paths with
// "..", "//", a query, a fragment or a backslash are refused.
func CleanBaseURL(base string) (string, error) {
	if !strings.HasPrefix(base, "/") || !strings.HasSuffix(base, "/") || len(base) > 1024 ||
		strings.Contains(base, "//") || strings.ContainsAny(base, "?#\\") {
		return "", ErrBaseURL
	}
	for seg := range strings.SplitSeq(base, "/") {
		if seg == "." || seg == ".." {
			return "", ErrBaseURL
		}
	}
	return base, nil
}

// Renewal says how to get a fresh cookie from a server.
type Renewal struct {
	// URL is the page to load, absolute.
	URL string
	// Navigate is true when only a navigation (a tab) sets the cookie, as
	// on JupyterHub 4.1 and later; otherwise a same-origin GET is enough.
	Navigate bool
}

// RenewalFor returns how to renew the cookie of the server at origin (such
// as "http://127.0.0.1:8888") with the given base URL and flavor. hub is
// true for a single-user server behind JupyterHub 4.1 or later.
func RenewalFor(origin, base string, flavor Flavor, hub bool) (Renewal, error) {
	o, err := url.Parse(origin)
	if err != nil || (o.Scheme != "http" && o.Scheme != "https") || o.Host == "" || o.Path != "" || o.RawQuery != "" {
		return Renewal{}, errors.New("origin must be http(s)://host[:port]")
	}
	if _, err := CleanBaseURL(base); err != nil {
		return Renewal{}, err
	}
	page := "tree"
	switch {
	case hub:
		page = ""
	case flavor == Lab:
		page = "lab"
	}
	return Renewal{URL: o.Scheme + "://" + o.Host + base + page, Navigate: hub}, nil
}

// IsLoginPage reports whether a renewal that ended at finalURL was sent to
// the server's login page, meaning the user is logged out.
func IsLoginPage(finalURL, base string) bool {
	u, err := url.Parse(finalURL)
	if err != nil {
		return false
	}
	return u.Path == base+"login" || strings.HasPrefix(u.Path, base+"login/") ||
		strings.Contains(u.Path, "/hub/login") || strings.Contains(u.Path, "/hub/api/oauth2/authorize")
}
