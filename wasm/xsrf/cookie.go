package xsrf

import (
	"sort"
	"strings"
	"time"
)

// CookieName is the name of the cookie that holds Jupyter's XSRF token.
const CookieName = "_xsrf"

// maxTokenLen bounds a usable token. Tornado's v2 tokens are about 90
// bytes and JupyterHub's about 100; browsers cap a cookie at 4096 bytes.
const maxTokenLen = 4096

// HeaderValue turns a raw cookie value into the X-XSRFToken value that
// tornado will compare it with: surrounding ASCII whitespace and one pair
// of double quotes are removed, as tornado's cookie parser does (other
// whitespace is outside ASCII, and a value holding it is refused). It reports
// false when the value cannot serve as a token: empty, too long, or holding
// characters that may not appear in an HTTP header (controls, non-ASCII,
// ";" or ",").
func HeaderValue(raw string) (string, bool) {
	v := strings.Trim(raw, " \t\n\v\f\r")
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" || len(v) > maxTokenLen {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\' {
			return "", false
		}
	}
	return v, true
}

// Cookie is one `_xsrf` cookie as the browser's cookie store reports it.
type Cookie struct {
	Value    string
	Path     string
	Domain   string
	HTTPOnly bool
	Secure   bool
	// HostOnly is true for a cookie set without a Domain attribute.
	HostOnly bool
	// SameSite is the browser's word for the attribute ("lax", "strict",
	// "no_restriction"), or "" when it was not set.
	SameSite string
	// Expires is zero for a session cookie.
	Expires time.Time
}

// ReadRule says which of several `_xsrf` cookies a server compares with.
type ReadRule int

const (
	// ReadLast is tornado's rule: the last cookie in the Cookie header,
	// which is the one with the shortest path.
	ReadLast ReadRule = iota
	// ReadFirstValid is JupyterHub 4.1's rule: the first cookie whose
	// signature is valid. Signatures cannot be checked outside the server,
	// so SaveKeeper takes the first usable cookie.
	ReadFirstValid
)

// SendOrder returns the cookies in the order a browser sends them: longer
// paths first (RFC 6265 §5.4), ties kept in their given order.
func SendOrder(cookies []Cookie) []Cookie {
	out := append([]Cookie(nil), cookies...)
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Path) > len(out[j].Path) })
	return out
}

// ServerReads returns the cookie a server following rule compares with,
// among the cookies sent with a request, and its header value. It reports
// false when no cookie holds a usable token.
func ServerReads(cookies []Cookie, rule ReadRule) (Cookie, string, bool) {
	ordered := SendOrder(cookies)
	if rule == ReadLast {
		if len(ordered) == 0 {
			return Cookie{}, "", false
		}
		last := ordered[len(ordered)-1]
		v, ok := HeaderValue(last.Value)
		return last, v, ok
	}
	for _, c := range ordered {
		if v, ok := HeaderValue(c.Value); ok {
			return c, v, true
		}
	}
	return Cookie{}, "", false
}
