// Package prebind binds the kernel's TCP sockets before the Go runtime and
// the packages' init functions run.
//
// The kernel process is the same binary as the interpreter process, so it
// starts by running the init functions of everything a cell can use (yaegi's
// standard-library tables, BigQuery, gRPC, plotting): ~10-15 ms before main.
// A Jupyter client connects right after it spawns the kernel; a connection
// refused then costs libzmq's 100 ms reconnect interval. A C constructor
// (which the dynamic loader runs before the Go runtime starts) reads the
// connection file named by `gokernel kernel -f FILE` and listens on its five
// ports, so the client's connections queue in the listen backlog instead of
// being refused. The kernel then serves those listening sockets (as systemd
// socket activation hands a service its sockets), after checking that each is
// bound where its own reading of the connection file says; anything else is
// closed and bound the ordinary way.
//
// The constructor only ever runs for the "kernel" subcommand, only for the
// tcp transport, and never fails the process: an error leaves that port to
// the ordinary path. GOKERNEL_PREBIND=0 turns it off. Without cgo there is no
// constructor and Sockets reports nothing. The descriptors live in the C
// side's static storage until Sockets hands them over: the constructor has
// nowhere else to put them.
package prebind

// Socket is one listening socket the constructor made.
type Socket struct {
	// Port is the connection file's port the socket was bound to.
	Port int
	// FD is the listening descriptor (close-on-exec).
	FD uintptr
}

// Sockets returns the listening sockets made before main, at most once per
// process: a second call returns nothing, so a descriptor has one owner.
func Sockets() []Socket { return take() }
