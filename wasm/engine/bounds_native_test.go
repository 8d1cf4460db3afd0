//go:build !js

package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Built natively only: filling every bound stores a state of megabytes
// hundreds of times, which takes seconds natively and minutes under node.
// The bound it checks does not depend on the platform.

func TestTheStateFitsTheStoreWhateverPagesSend(t *testing.T) {
	// Every bound filled with the longest values the decoder allows.
	store := &memStore{}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	e := New(&jar{}, nil, store, func() time.Time { return now })
	longBase := func(i int) string { return fmt.Sprintf("/%0*d/", maxBaseURL-2, i) }
	for i := range maxServers + 10 {
		o := fmt.Sprintf("http://%0200d.example:%d", i, 10000+i)
		s := at(2000+i, o+longBase(i)+"tree")
		require.Equal(t, ActionOK, send(t, e, s, Message{Type: TypeHello, Flavor: "classic", BaseURL: longBase(i)}).Action)
		for j := range maxRescuesPerServer {
			path := fmt.Sprintf("%0*d", maxPath-10, j)
			keep(t, e, s, fmt.Sprintf("%063d", i*1000+j), o+longBase(i)+"api/contents/"+path, 0, 0)
			now = now.Add(4 * time.Second)
		}
	}
	t.Logf("the largest state pages can make the engine store: %d bytes", len(store.raw))
	assert.Less(t, len(store.raw), maxStateBytes, "the books can never reach storage.local's 10 MB quota")
}
