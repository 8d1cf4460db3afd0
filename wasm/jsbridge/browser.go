//go:build js && wasm

package jsbridge

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/hack-pad/safejs"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// api returns chrome.<name>; Firefox provides the chrome namespace too,
// with Promise-returning methods in Manifest V3.
func api(name string) (safejs.Value, error) {
	chrome, err := safejs.Global().Get("chrome")
	if err != nil || chrome.Type() != safejs.TypeObject {
		return safejs.Undefined(), fmt.Errorf("chrome namespace missing")
	}
	v, err := chrome.Get(name)
	if err != nil || v.Type() != safejs.TypeObject {
		return safejs.Undefined(), fmt.Errorf("chrome.%s missing (permission not granted?)", name)
	}
	return v, nil
}

// Cookies reads `_xsrf` cookies through chrome.cookies. It implements
// engine.CookieStore.
type Cookies struct{}

// XSRFCookies returns the `_xsrf` cookies the browser would send to url.
func (Cookies) XSRFCookies(ctx context.Context, url string) ([]xsrf.Cookie, error) {
	cookies, err := api("cookies")
	if err != nil {
		return nil, err
	}
	query, err := safejs.ValueOf(map[string]any{"url": url, "name": xsrf.CookieName})
	if err != nil {
		return nil, err
	}
	p, err := cookies.Call("getAll", query)
	if err != nil {
		return nil, err
	}
	list, err := Await(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("cookies.getAll: %w", err)
	}
	n, err := list.Length()
	if err != nil {
		return nil, err
	}
	out := make([]xsrf.Cookie, 0, n)
	for i := range n {
		c, err := list.Index(i)
		if err != nil {
			return nil, err
		}
		out = append(out, xsrf.Cookie{
			Value:    str(c, "value"),
			Path:     str(c, "path"),
			Domain:   str(c, "domain"),
			HTTPOnly: boolean(c, "httpOnly"),
			Secure:   boolean(c, "secure"),
			HostOnly: boolean(c, "hostOnly"),
			SameSite: sameSite(str(c, "sameSite")),
			Expires:  expiry(c),
		})
	}
	return out, nil
}

// Extend sets c again for url's host with a new expiry, keeping its value
// and attributes.
func (Cookies) Extend(ctx context.Context, url string, c xsrf.Cookie, expires time.Time) error {
	cookies, err := api("cookies")
	if err != nil {
		return err
	}
	details := map[string]any{
		"url":            url,
		"name":           xsrf.CookieName,
		"value":          c.Value,
		"path":           c.Path,
		"secure":         c.Secure,
		"httpOnly":       c.HTTPOnly,
		"expirationDate": float64(expires.Unix()),
	}
	if !c.HostOnly && c.Domain != "" {
		details["domain"] = c.Domain
	}
	// Firefox reports a cookie set without SameSite as "no_restriction";
	// setting that explicitly would make an insecure cookie SameSite=None,
	// which Firefox refuses.
	if c.SameSite != "" && (c.SameSite != "no_restriction" || c.Secure) {
		details["sameSite"] = c.SameSite
	}
	query, err := safejs.ValueOf(details)
	if err != nil {
		return err
	}
	p, err := cookies.Call("set", query)
	if err != nil {
		return err
	}
	if _, err := Await(ctx, p); err != nil {
		return fmt.Errorf("cookies.set: %w", err)
	}
	return nil
}

// sameSite keeps the values both browsers accept in cookies.set.
func sameSite(s string) string {
	switch s {
	case "lax", "strict", "no_restriction":
		return s
	}
	return ""
}

// Storage keeps one string in chrome.storage.local under Key. It
// implements engine.Store.
type Storage struct{ Key string }

// Load returns the stored string's bytes, or nil.
func (s Storage) Load(ctx context.Context) ([]byte, error) {
	local, err := storageLocal()
	if err != nil {
		return nil, err
	}
	p, err := local.Call("get", s.Key)
	if err != nil {
		return nil, err
	}
	items, err := Await(ctx, p)
	if err != nil {
		return nil, err
	}
	v, err := items.Get(s.Key)
	if err != nil || v.Type() != safejs.TypeString {
		return nil, nil
	}
	raw, err := v.String()
	return []byte(raw), err
}

// Save stores state as a string.
func (s Storage) Save(ctx context.Context, state []byte) error {
	local, err := storageLocal()
	if err != nil {
		return err
	}
	items, err := safejs.ValueOf(map[string]any{s.Key: string(state)})
	if err != nil {
		return err
	}
	p, err := local.Call("set", items)
	if err != nil {
		return err
	}
	_, err = Await(ctx, p)
	return err
}

func storageLocal() (safejs.Value, error) {
	storage, err := api("storage")
	if err != nil {
		return safejs.Undefined(), err
	}
	return storage.Get("local")
}

func str(v safejs.Value, prop string) string {
	p, err := v.Get(prop)
	if err != nil || p.Type() != safejs.TypeString {
		return ""
	}
	s, _ := p.String()
	return s
}

func boolean(v safejs.Value, prop string) bool {
	p, err := v.Get(prop)
	if err != nil || p.Type() != safejs.TypeBoolean {
		return false
	}
	b, _ := p.Bool()
	return b
}

// expiry reads cookies.Cookie.expirationDate (seconds, absent for a
// session cookie).
func expiry(c safejs.Value) time.Time {
	p, err := c.Get("expirationDate")
	if err != nil || p.Type() != safejs.TypeNumber {
		return time.Time{}
	}
	f, err := p.Float()
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// RandomBytes fills b from the browser's crypto.getRandomValues, the
// cryptographic source the engine's leases come from.
func RandomBytes(b []byte) error {
	crypto, err := safejs.Global().Get("crypto")
	if err != nil || crypto.Type() != safejs.TypeObject {
		return fmt.Errorf("crypto missing")
	}
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return err
	}
	buf, err := ctor.New(len(b))
	if err != nil {
		return err
	}
	if _, err := crypto.Call("getRandomValues", buf); err != nil {
		return fmt.Errorf("crypto.getRandomValues: %w", err)
	}
	if n, err := safejs.CopyBytesToGo(b, buf); err != nil || n != len(b) {
		return fmt.Errorf("copying random bytes: %d of %d, %v", n, len(b), err)
	}
	return nil
}
