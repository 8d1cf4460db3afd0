// Jupyter's pages: what a page says about its server (the classic UI's
// body attributes, JupyterLab's and Notebook 7's page config), the login
// form's _xsrf field, and which URLs are login or JupyterHub pages.

package main

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// page is what a Jupyter HTML page says about its server.
type page struct {
	flavor     xsrf.Flavor
	baseURL    string
	appName    string // JupyterLab, Jupyter Notebook
	appVersion string
	hubPrefix  string
	hubUser    string
	// token is true when the page holds an API token, which JupyterLab and
	// Notebook 7 send as Authorization: the server then skips the XSRF check.
	token bool
}

var (
	dataBaseURL = regexp.MustCompile(`<body[^>]*\sdata-base-url="([^"]*)"`)
	configData  = regexp.MustCompile(`(?s)<script[^>]*id="jupyter-config-data"[^>]*>(.*?)</script>`)
	inputTag    = regexp.MustCompile(`<input[^>]*>`)
	valueAttr   = regexp.MustCompile(`\svalue="([^"]*)"`)
)

// parsePage reads a Jupyter page: the classic UI's body[data-base-url], or
// JupyterLab's and Notebook 7's #jupyter-config-data. It reports false for
// anything else.
func parsePage(html []byte) (page, bool) {
	if m := configData.FindSubmatch(html); m != nil {
		var cfg struct {
			BaseURL    string `json:"baseUrl"`
			AppName    string `json:"appName"`
			AppVersion string `json:"appVersion"`
			HubPrefix  string `json:"hubPrefix"`
			HubUser    string `json:"hubUser"`
			Token      string `json:"token"`
		}
		if json.Unmarshal(m[1], &cfg) == nil && cfg.BaseURL != "" {
			p := page{flavor: xsrf.Lab, baseURL: cfg.BaseURL, appName: cfg.AppName, appVersion: cfg.AppVersion,
				hubPrefix: cfg.HubPrefix, hubUser: cfg.HubUser, token: cfg.Token != ""}
			if cfg.AppName == "Jupyter Notebook" {
				p.flavor = xsrf.Notebook7
			}
			if base, err := xsrf.CleanBaseURL(p.baseURL); err == nil {
				p.baseURL = base
				return p, true
			}
		}
	}
	if m := dataBaseURL.FindSubmatch(html); m != nil {
		base, err := url.PathUnescape(htmlUnescape(string(m[1])))
		if err == nil {
			if base, err = xsrf.CleanBaseURL(base); err == nil {
				return page{flavor: xsrf.Classic, baseURL: base}, true
			}
		}
	}
	return page{}, false
}

// formXSRF returns the value of the hidden _xsrf field of a login form.
func formXSRF(html []byte) string {
	for _, tag := range inputTag.FindAll(html, -1) {
		if strings.Contains(string(tag), `name="_xsrf"`) {
			if m := valueAttr.FindSubmatch(tag); m != nil {
				return htmlUnescape(string(m[1]))
			}
		}
	}
	return ""
}

var htmlEntities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#34;", `"`, "&#39;", "'", "&#x27;", "'")

// htmlUnescape decodes the HTML entities Jupyter's templates write in
// attribute values.
func htmlUnescape(s string) string { return htmlEntities.Replace(s) }

// isLogin tells whether a page is a login form: Jupyter's <base>login or
// JupyterHub's /hub/login. (xsrf.IsLoginPage says the same once the base
// URL is known; before the first page it is not.)
func isLogin(u *url.URL) bool {
	return strings.HasSuffix(u.Path, "/login") || strings.Contains(u.Path, "/hub/login")
}

// isHubPath tells whether u is one of JupyterHub's own pages (/hub/…).
func isHubPath(u *url.URL) bool { return strings.Contains(u.Path, "/hub/") }
