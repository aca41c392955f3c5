package goeval

import "strings"

// importHint rewrites yaegi's error for an import it has neither symbols
// nor sources for (`import "P" error: unable to find source related to:
// "P"`) into one that says how to get the package: a package outside the
// standard library is added by building a kernel with it (gokernel build
// --with). Other messages are returned unchanged. The kernel applies it to
// the message and traceback of failed cells.
func importHint(msg string) string {
	const head, tail = `import "`, `" error: unable to find source related to: "`
	i := strings.Index(msg, head)
	if i < 0 {
		return msg
	}
	rest := msg[i+len(head):]
	j := strings.Index(rest, tail)
	if j <= 0 {
		return msg
	}
	path := rest[:j]
	after := rest[j+len(tail):]
	if !strings.HasPrefix(after, path+`"`) {
		return msg
	}
	after = after[len(path)+1:]
	var hint string
	if first, _, _ := strings.Cut(path, "/"); !strings.Contains(first, ".") {
		hint = `package "` + path + `" is neither in the standard library (Go ` + LanguageVersion + ` API) nor compiled into this kernel`
	} else {
		hint = `package "` + path + `" is not compiled into this kernel; to add it, build a kernel with it: ` +
			`gokernel build --with ` + path + `@latest -o ~/bin/gokernel-custom && ~/bin/gokernel-custom install --user, then restart the kernel`
	}
	return msg[:i] + hint + after
}
