// Reference for Go module versions in the differential test: reads a file of
// pairs (`a<TAB>b` per line, split on `\n` only) and prints, per pair, -1, 0 or 1
// from golang.org/x/mod/semver.Compare, or `ERR <message>` when either version
// is not valid semver for Go. OSV's Go records write versions without the `v`
// that x/mod requires, so a missing `v` is added (lambda-audit reads both).
//
// Build (GOPATH mode, Debian's golang-golang-x-mod-dev, no network):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o go_compare go_compare.go
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func withV(s string) string {
	if strings.HasPrefix(s, "v") {
		return s
	}
	return "v" + s
}

func main() {
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r := bufio.NewReader(f)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for {
		line, err := r.ReadString('\n')
		if line == "" && err == io.EOF {
			return
		}
		line = strings.TrimSuffix(line, "\n")
		a, b, _ := strings.Cut(line, "\t")
		a, b = withV(a), withV(b)
		switch {
		case !semver.IsValid(a):
			fmt.Fprintf(w, "ERR invalid %q\n", a)
		case !semver.IsValid(b):
			fmt.Fprintf(w, "ERR invalid %q\n", b)
		default:
			fmt.Fprintln(w, semver.Compare(a, b))
		}
		if err == io.EOF {
			return
		}
	}
}
