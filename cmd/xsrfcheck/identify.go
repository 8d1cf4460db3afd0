// Naming the server: its kind (Notebook 6, nbclassic, JupyterLab,
// Notebook 7, behind JupyterHub or not) and versions, for the report's
// server line.

package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/savekeeper/savekeeper/wasm/xsrf"
)

// identify names the server and its versions: from the page, <base>api,
// and the headers JupyterHub and tornado add.
func identify(ctx context.Context, s *session, t *target) *serverInfo {
	info := &serverInfo{BaseURL: t.base(), Versions: map[string]string{}}
	api := ""
	if r, err := s.do(ctx, "GET", t.origin+t.base()+"api", nil, nil); err == nil && r.status == 200 {
		var v struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(r.body, &v) == nil {
			api = v.Version
		}
	}
	hubVersion, serverHeader := s.hubHeader, s.server
	var desc string
	switch t.page.flavor {
	case xsrf.Classic:
		if major, _ := version(api); major >= 5 {
			info.Kind, desc = "notebook6", "Notebook "+api+" (classic UI)"
			info.Versions["notebook"] = api
		} else {
			info.Kind, desc = "nbclassic", "jupyter_server "+orUnknown(api)+" with nbclassic (classic UI)"
			info.Versions["jupyter_server"] = api
		}
	default:
		info.Kind = "jupyterlab"
		name := "JupyterLab"
		if t.page.flavor == xsrf.Notebook7 {
			info.Kind, name = "notebook7", "Notebook"
		}
		desc = name + " " + orUnknown(t.page.appVersion) + " on jupyter_server " + orUnknown(api)
		info.Versions[info.Kind] = t.page.appVersion
		info.Versions["jupyter_server"] = api
	}
	if hubVersion != "" || t.page.hubPrefix != "" {
		info.Hub = true
		info.Versions["jupyterhub"] = hubVersion
		desc += ", behind JupyterHub " + orUnknown(hubVersion)
	}
	if v, ok := strings.CutPrefix(serverHeader, "TornadoServer/"); ok {
		info.Versions["tornado"] = v
		desc += ", tornado " + v
	}
	info.Description = desc
	for k, v := range info.Versions {
		if v == "" {
			delete(info.Versions, k)
		}
	}
	return info
}

// orUnknown is v, or "(version unknown)" when v is empty.
func orUnknown(v string) string {
	if v == "" {
		return "(version unknown)"
	}
	return v
}

// version returns the major and minor numbers of a version such as
// "6.4.12"; -1 for a number that is missing or not one.
func version(v string) (major, minor int) {
	parts := strings.SplitN(v, ".", 3)
	major, minor = -1, -1
	if n, err := strconv.Atoi(parts[0]); err == nil {
		major = n
	}
	if len(parts) > 1 {
		if n, err := strconv.Atoi(parts[1]); err == nil {
			minor = n
		}
	}
	return major, minor
}
