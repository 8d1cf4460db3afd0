package rescue

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const srv = "http://127.0.0.1:8888/user/alice/"

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func rescueAt(id, path string, minutes int) Rescue {
	return Rescue{ID: id, Server: srv, Path: path, Taken: t0.Add(time.Duration(minutes) * time.Minute), State: Pending}
}

func TestAddKeepsTheNewestRescuePerFile(t *testing.T) {
	var b Book
	assert.Empty(t, b.Add(rescueAt("a1", "a.ipynb", 0)))
	assert.Empty(t, b.Add(rescueAt("b1", "b.ipynb", 1)))
	superseded := b.Add(rescueAt("a2", "a.ipynb", 2))
	require.Len(t, superseded, 1)
	assert.Equal(t, "a1", superseded[0].ID, "the older body can go: the newer holds its edits")

	other := rescueAt("x1", "a.ipynb", 3)
	other.Server = "http://127.0.0.1:9999/"
	assert.Empty(t, b.Add(other), "the same path on another server is another file")

	late := rescueAt("a0", "a.ipynb", -5)
	assert.Equal(t, []Rescue{late}, b.Add(late), "a rescue older than the kept one is not kept")

	due := b.Due(srv, t0.Add(time.Hour))
	require.Len(t, due, 2)
	assert.Equal(t, []string{"b1", "a2"}, []string{due[0].ID, due[1].ID}, "oldest first")
}

func TestConflictsAreNotDue(t *testing.T) {
	var b Book
	b.Add(rescueAt("a1", "a.ipynb", 0))
	require.True(t, b.Update("a1", func(r *Rescue) { r.State = Conflict }))
	assert.Empty(t, b.Due(srv, t0.Add(time.Hour)))
	r, ok := b.Get("a1")
	require.True(t, ok)
	assert.Equal(t, Conflict, r.State)
	assert.False(t, b.Update("nope", func(r *Rescue) { r.State = Pending }))
}

func TestRemoveAndExpire(t *testing.T) {
	var b Book
	b.Add(rescueAt("old", "a.ipynb", 0))
	b.Add(rescueAt("new", "b.ipynb", 60*24*29))
	expired := b.Expire(t0.Add(31*24*time.Hour), 30*24*time.Hour)
	require.Len(t, expired, 1)
	assert.Equal(t, "old", expired[0].ID)

	r, ok := b.Remove("new")
	assert.True(t, ok)
	assert.Equal(t, "new", r.ID)
	_, ok = b.Remove("new")
	assert.False(t, ok)
	assert.Empty(t, b.Rescues)
}

func TestDecideNeverOverwritesNewerWork(t *testing.T) {
	based := rescueAt("a", "a.ipynb", 10)
	based.BasedOn = t0
	assert.Equal(t, Write, Decide(based, t0, true), "the file is still the version the edit started from")
	assert.Equal(t, Keep, Decide(based, t0.Add(time.Second), true), "someone saved after that version")
	assert.Equal(t, Write, Decide(based, time.Time{}, false), "a deleted file comes back")

	unknown := rescueAt("b", "b.ipynb", 10) // the page never saw the file's version
	assert.Equal(t, Write, Decide(unknown, t0.Add(5*time.Minute), true), "unchanged since before the failed save")
	assert.Equal(t, Keep, Decide(unknown, t0.Add(11*time.Minute), true), "changed after the failed save")
}

func TestContentsPath(t *testing.T) {
	for raw, want := range map[string]string{
		"http://h/user/alice/api/contents/a.ipynb?1795617861823":   "a.ipynb",
		"http://h/user/alice/api/contents/dir/my%20nb.ipynb":       "dir/my nb.ipynb",
		"http://h/user/alice/api/contents/a.ipynb/checkpoints":     "",
		"http://h/user/alice/api/contents/a.ipynb/checkpoints/abc": "",
		"http://h/user/alice/api/contents/":                        "",
		"http://h/user/bob/api/contents/a.ipynb":                   "",
		"http://h/user/alice/api/sessions":                         "",
		"http://h/user/alice/files/api/contents/a.ipynb":           "",
		"%%": "",
	} {
		got, ok := ContentsPath(raw, "/user/alice/")
		assert.Equal(t, want, got, raw)
		assert.Equal(t, want != "", ok, raw)
	}
}

func TestBookRoundTripsThroughJSON(t *testing.T) {
	var b Book
	r := rescueAt("a1", "dir/a.ipynb", 0)
	r.BasedOn, r.Size, r.Reason = t0.Add(-time.Hour), 52428800, "login-required"
	b.Add(r)
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	var again Book
	require.NoError(t, json.Unmarshal(raw, &again))
	assert.Equal(t, b, again)
}

func TestContentsPathWithAnEncodedBase(t *testing.T) {
	got, ok := ContentsPath("http://h/user/a%20b/api/contents/x%20y.ipynb", "/user/a%20b/")
	assert.True(t, ok)
	assert.Equal(t, "x y.ipynb", got)
}

func TestDueWaitsForNextTry(t *testing.T) {
	var b Book
	b.Add(rescueAt("a1", "a.ipynb", 0))
	require.True(t, b.Update("a1", func(r *Rescue) { r.Tries, r.NextTry = 1, t0.Add(time.Minute) }))
	assert.Empty(t, b.Due(srv, t0.Add(30*time.Second)))
	assert.Len(t, b.Due(srv, t0.Add(time.Minute)), 1)
	assert.Equal(t, 1, b.Count(srv))
	assert.Equal(t, 0, b.Count("http://elsewhere/"))
	assert.Equal(t, 1, b.Count(""))
}

func TestForceWritesOverNewerWork(t *testing.T) {
	r := rescueAt("a", "a.ipynb", 10)
	r.Force = true
	assert.Equal(t, Write, Decide(r, t0.Add(time.Hour), true), "the user chose to overwrite")
}
