package goeval

import (
	"strings"
	"testing"
)

func TestImportHint(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`In[1]:1:8: import "github.com/google/uuid" error: unable to find source related to: "github.com/google/uuid"`,
			`In[1]:1:8: package "github.com/google/uuid" is not compiled into this kernel; to add it, build a kernel with it: gokernel build --with github.com/google/uuid@latest`},
		{`In[1]:1:8: import "encoding/jsonx" error: unable to find source related to: "encoding/jsonx"`,
			`In[1]:1:8: package "encoding/jsonx" is neither in the standard library`},
		{`In[1]:1:1: undefined: x`, `In[1]:1:1: undefined: x`},
		{`import "a" error: unable to find source related to: "b"`, `import "a" error: unable to find source related to: "b"`},
	} {
		if got := importHint(tc.in); !strings.HasPrefix(got, tc.want) {
			t.Errorf("ImportHint(%q)\n = %q\nwant prefix %q", tc.in, got, tc.want)
		}
	}
}
