package magics

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnvMagic(t *testing.T) {
	t.Setenv("GK_TEST_BASE", "base")
	tests := []struct {
		line, name, want, out string
	}{
		{"GK_TEST_A=1", "GK_TEST_A", "1", "env: GK_TEST_A=1\n"},
		{"GK_TEST_B two words", "GK_TEST_B", "two words", "env: GK_TEST_B=two words\n"},
		{"GK_TEST_C=a=b c", "GK_TEST_C", "a=b c", "env: GK_TEST_C=a=b c\n"},
		{"GK_TEST_D=$GK_TEST_BASE/x", "GK_TEST_D", "base/x", "env: GK_TEST_D=base/x\n"},
		{"GK_TEST_TOKEN=hush", "GK_TEST_TOKEN", "hush", "env: GK_TEST_TOKEN=<hidden>\n"},
	}
	for _, tt := range tests {
		t.Setenv(tt.name, "")
		out := &recOut{}
		res, err := envMagic{}.Run(context.Background(), Invocation{Name: "env", Line: tt.line}, Env{Out: out})
		if err != nil || res.Error != nil {
			t.Fatalf("%q: %v %+v", tt.line, err, res.Error)
		}
		if got := os.Getenv(tt.name); got != tt.want || out.text.String() != tt.out {
			t.Errorf("%q: %s=%q, printed %q; want %q, %q", tt.line, tt.name, got, out.text.String(), tt.want, tt.out)
		}
	}
	out := &recOut{}
	if _, err := (envMagic{}).Run(context.Background(), Invocation{Name: "env"}, Env{Out: out}); err != nil {
		t.Fatal(err)
	}
	if l := out.text.String(); !strings.Contains(l, "GK_TEST_TOKEN=<hidden>\n") || strings.Contains(l, "hush") || !strings.Contains(l, "GK_TEST_B=two words\n") {
		t.Errorf("listing %q", l)
	}
	for _, bad := range []string{"1X=2", "A-B=3", "=x"} {
		if _, err := (envMagic{}).Run(context.Background(), Invocation{Name: "env", Line: bad}, Env{Out: &recOut{}}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestWritefileAndCd(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	t.Cleanup(func() { _ = os.Chdir(wd) })
	t.Setenv("OLDPWD", "")
	t.Setenv("PWD", wd)
	r := NewRegistry()
	r.Register(cdMagic{})
	r.Register(writefileMagic{})
	run := func(code string) string {
		t.Helper()
		out := &recOut{}
		res, err := r.Run(context.Background(), code, Env{Out: out})
		if err != nil || res.Error != nil {
			t.Fatalf("%q: %v %+v", code, err, res.Error)
		}
		return out.text.String()
	}
	sub := filepath.Join(dir, "with space")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if got := run("%cd " + sub); got != sub+"\n" {
		t.Fatalf("cd printed %q", got)
	}
	if got := run("%%writefile 'a b.txt'\nline\n"); got != "Writing a b.txt\n" {
		t.Errorf("got %q", got)
	}
	if got := run("%%writefile -a 'a b.txt'\nmore\n"); got != "Appending to a b.txt\n" {
		t.Errorf("got %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(sub, "a b.txt")); string(b) != "line\nmore\n" {
		t.Errorf("file %q", b)
	}
	if got := run("%%writefile 'a b.txt'\nnew\n"); got != "Overwriting a b.txt\n" {
		t.Errorf("got %q", got)
	}
	if got := run("%cd " + dir); got != dir+"\n" {
		t.Errorf("got %q", got)
	}
	if got := run("%cd -"); got != sub+"\n" || os.Getenv("PWD") != sub || os.Getenv("OLDPWD") != dir {
		t.Errorf("cd - printed %q, PWD %q OLDPWD %q", got, os.Getenv("PWD"), os.Getenv("OLDPWD"))
	}
}
