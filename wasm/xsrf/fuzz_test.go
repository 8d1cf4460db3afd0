package xsrf

import (
	"strings"
	"testing"
)

// FuzzParseCookieHeader feeds the cookie parser any header: it must never
// panic, every pair it returns must have a trimmed, non-empty name without
// ";" or "=", and a token it accepts must be safe to put in a header.
func FuzzParseCookieHeader(f *testing.F) {
	for _, s := range []string{"", "_xsrf=2|abc|def|123", `a=1; _xsrf="q"; _xsrf=2`, ";;=;", "_xsrf", "\x00=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		pairs := ParseCookieHeader(header)
		for _, p := range pairs {
			if p.Name == "" || p.Name != strings.TrimSpace(p.Name) || strings.ContainsAny(p.Name, ";=") {
				t.Fatalf("bad name %q from %q", p.Name, header)
			}
			if strings.Contains(p.Value, ";") {
				t.Fatalf("value %q holds a separator", p.Value)
			}
		}
		for _, v := range Values(pairs, CookieName) {
			token, ok := HeaderValue(v)
			if !ok {
				continue
			}
			if token == "" || len(token) > maxTokenLen || strings.ContainsAny(token, " ;,\"\\\r\n\x00") {
				t.Fatalf("HeaderValue(%q) = %q is no header value", v, token)
			}
			for i := 0; i < len(token); i++ {
				if token[i] < 0x21 || token[i] > 0x7e {
					t.Fatalf("HeaderValue(%q) = %q holds byte %#x", v, token, token[i])
				}
			}
		}
	})
}

// FuzzClassify feeds the 403 classifier any response: it must never
// panic, anything but a 403 is NotXSRF, and a kind other than NotXSRF
// comes with the message it was read from.
func FuzzClassify(f *testing.F) {
	f.Add(403, "application/json", []byte(`{"message": "'_xsrf' argument missing from POST", "reason": null}`))
	f.Add(403, "text/html", []byte(`{"message": "XSRF cookie does not match PUT argument"}`))
	f.Add(403, "application/json; charset=UTF-8", []byte(`{"message": "Forbidden"}`))
	f.Add(403, "", []byte(`<html><body>403 Forbidden</body></html>`))
	f.Add(500, "application/json", []byte(`{"message": "Forbidden"}`))
	f.Add(403, "application/json", []byte(`{"message": null}`))
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		got := Classify(status, contentType, body)
		if got.Kind < NotXSRF || got.Kind > LoginRequired {
			t.Fatalf("kind %d out of range", got.Kind)
		}
		if status != 403 && got.Kind != NotXSRF {
			t.Fatalf("status %d classified %v", status, got.Kind)
		}
		if got.Kind != NotXSRF && got.Message == "" {
			t.Fatalf("kind %v without its message", got.Kind)
		}
		_ = got.Kind.String()
	})
}
