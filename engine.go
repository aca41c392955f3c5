package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/gokernel/gokernel/auth"
	"github.com/gokernel/gokernel/bq"
	"github.com/gokernel/gokernel/display"
	"github.com/gokernel/gokernel/internal/compiled"
	"github.com/gokernel/gokernel/internal/goeval"
	"github.com/gokernel/gokernel/internal/pkgs"
	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/magics"
)

// The interpreter serves the magics' variable access (%bq --out, %who).
var _ magics.Vars = (*goeval.Engine)(nil)

// languageVersion is the Go version whose standard library cells see.
const languageVersion = goeval.LanguageVersion

// newEngine builds what the worker process serves: magics in front of the
// Go interpreter, with the display package bound to the running cell and
// the curated packages of pkgs importable.
func newEngine(log *slog.Logger) (kernel.Engine, error) {
	// The compiled tier probes the toolchain and warms the build cache in
	// the background: cells are interpreted until it is ready.
	mode, err := compiled.ModeFromEnv()
	if err != nil {
		log.Warn("compiled cells off", "err", err)
		mode = compiled.Off
	}
	tier := compiled.New(compiled.Options{Mode: mode, Logger: log})
	go tier.Start(context.Background())
	g, err := goeval.New(goeval.Options{Stdout: os.Stdout, Stderr: os.Stderr, Compiler: tier, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("starting the Go interpreter: %w", err)
	}
	if err := g.Use(display.Exports(display.New(g.Output))); err != nil {
		return nil, fmt.Errorf("loading the display package: %w", err)
	}
	// The curated packages compiled into the kernel (plots, gonum, civil).
	if err := g.Use(pkgs.Symbols); err != nil {
		return nil, fmt.Errorf("loading the compiled-in packages: %w", err)
	}
	// Packages added with gokernel build --with.
	if err := g.Use(extraSymbols()); err != nil {
		return nil, fmt.Errorf("loading the packages added with gokernel build: %w", err)
	}
	reg := magics.NewRegistry()
	creds := auth.NewManager(auth.ManagerOptions{Logger: log})
	reg.Register(auth.NewMagic(creds))
	reg.Register(compiled.NewMagic(tier))
	reg.Register(bq.NewMagic(bq.Options{Credentials: creds, SignInExpired: auth.ErrSignInExpired, NoIdentity: auth.ErrNoIdentity, Logger: log}))
	return magics.NewEngine(g, reg), nil
}
