// Package rescue keeps the books on rescue copies: saves that still
// failed after SaveKeeper's recovery (server down, login expired, a proxy
// in the way), whose bodies the extension keeps so that no edit is lost.
//
// The package holds no bodies, only what the engine needs to decide: which
// file a rescue is for, what version of the file the edit started from,
// which rescue of a file is the newest, whether writing it now would
// overwrite someone else's newer work, and when a rescue is old enough to
// drop. It is pure Go, tested natively; the bodies live in the
// extension's IndexedDB.
package rescue
