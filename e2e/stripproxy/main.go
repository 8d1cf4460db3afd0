// Command stripproxy is a test-only reverse proxy for the xsrfcheck tests:
// it stands in front of a real Jupyter server and misbehaves the way some
// proxies do, which no packaged server here can. It prints its URL on
// stdout, then serves until killed.
//
//	stripproxy -to http://127.0.0.1:8888 [-strip-xsrf] [-strip-cookies] [-drop-prefix P] [-stall-second-put]
//
// -strip-xsrf removes the X-XSRFToken and X-CSRFToken request headers.
// -strip-cookies removes the Cookie request header.
// -drop-prefix P removes P from the front of Location headers (leaving
// its last "/"), as a proxy that does not pass the base URL does.
// -stall-second-put lets the first PUT under /api/contents/ through and
// holds every later one until its client gives up, so that a run of
// xsrfcheck fails (or is interrupted) between its two save checks.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
)

func main() {
	to := flag.String("to", "", "the server's origin, such as http://127.0.0.1:8888")
	strip := flag.Bool("strip-xsrf", false, "remove X-XSRFToken and X-CSRFToken from requests")
	stripCookies := flag.Bool("strip-cookies", false, "remove the Cookie header from requests")
	dropPrefix := flag.String("drop-prefix", "", "remove this `prefix` from Location headers")
	stall := flag.Bool("stall-second-put", false, "hold every PUT to the contents API after the first")
	flag.Parse()
	log.SetPrefix("stripproxy: ")
	target, err := url.Parse(*to)
	if err != nil || target.Host == "" {
		log.Fatalf("-to: want an origin, got %q", *to)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	if *dropPrefix != "" {
		proxy.ModifyResponse = func(resp *http.Response) error {
			if loc, ok := strings.CutPrefix(resp.Header.Get("Location"), *dropPrefix); ok {
				resp.Header.Set("Location", "/"+loc)
			}
			return nil
		}
	}
	var puts atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *strip {
			r.Header.Del("X-XSRFToken")
			r.Header.Del("X-CSRFToken")
		}
		if *stripCookies {
			r.Header.Del("Cookie")
		}
		if *stall && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/api/contents/") && puts.Add(1) > 1 {
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, handler))
}
