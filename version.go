// Package savekeeper holds SaveKeeper's release version. The VERSION file
// beside this one is its only source: cmd/pack stamps it into both
// manifests, xsrfcheck prints it for --version, and `make release
// VERSION=x.y.z` is the way to change it.
package savekeeper

import (
	_ "embed"
	"strings"
)

//go:embed VERSION
var versionFile string

// Version is the release version, such as "0.2.0".
var Version = strings.TrimSpace(versionFile)
