package store

import "testing"

// SetDeletePageSize makes DeleteAll list n tickets a page until the test ends, so that a
// category of a few tickets spans pages.
func SetDeletePageSize(t testing.TB, n int) {
	old := deletePageSize
	deletePageSize = n
	t.Cleanup(func() { deletePageSize = old })
}
