//go:build cgo && linux

package prebind

/*
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define GK_NSOCK 5

static int gk_fd[GK_NSOCK] = {-1, -1, -1, -1, -1};
static int gk_port[GK_NSOCK];
static int gk_taken;

static const char *gk_keys[GK_NSOCK] = {
	"\"shell_port\"", "\"control_port\"", "\"stdin_port\"", "\"iopub_port\"", "\"hb_port\"",
};

static const char *gk_skip(const char *p) {
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
	return p;
}

// gk_value finds "key": and returns what follows the colon, or NULL.
static const char *gk_value(const char *buf, const char *key) {
	const char *p = strstr(buf, key);
	if (p == NULL) return NULL;
	p = gk_skip(p + strlen(key));
	if (*p != ':') return NULL;
	return gk_skip(p + 1);
}

static int gk_number(const char *buf, const char *key) {
	const char *p = gk_value(buf, key);
	if (p == NULL || *p < '0' || *p > '9') return -1;
	long n = 0;
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (*p - '0');
		if (n > 65535) return -1;
		p++;
	}
	p = gk_skip(p);
	if (*p != ',' && *p != '}') return -1;
	return (int)n;
}

// gk_string copies a plain JSON string value (no escapes) into out.
static int gk_string(const char *buf, const char *key, char *out, size_t n) {
	const char *p = gk_value(buf, key);
	if (p == NULL || *p != '"') return -1;
	p++;
	size_t i = 0;
	while (*p != '"') {
		if (*p == '\0' || *p == '\\' || i + 1 >= n) return -1;
		out[i++] = *p++;
	}
	out[i] = '\0';
	return 0;
}

static const char *gk_conn_file(int argc, char **argv) {
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "-f") == 0 || strcmp(a, "--f") == 0) && i + 1 < argc) return argv[i + 1];
		if (strncmp(a, "-f=", 3) == 0) return a + 3;
		if (strncmp(a, "--f=", 4) == 0) return a + 4;
	}
	return NULL;
}

__attribute__((constructor)) static void gk_prebind(int argc, char **argv, char **envp) {
	(void)envp;
	if (argc < 3 || argv == NULL || strcmp(argv[1], "kernel") != 0) return;
	const char *off = getenv("GOKERNEL_PREBIND");
	if (off != NULL && strcmp(off, "0") == 0) return;
	const char *path = gk_conn_file(argc, argv);
	if (path == NULL) return;
	int cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0) return;
	char buf[16384];
	size_t len = 0;
	for (;;) {
		ssize_t r = read(cfd, buf + len, sizeof buf - 1 - len);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) break;
		len += (size_t)r;
		if (len == sizeof buf - 1) break;
	}
	close(cfd);
	buf[len] = '\0';
	char transport[16], ip[64];
	if (gk_string(buf, "\"transport\"", transport, sizeof transport) != 0 || strcmp(transport, "tcp") != 0) return;
	if (gk_string(buf, "\"ip\"", ip, sizeof ip) != 0) return;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int family;
	memset(&ss, 0, sizeof ss);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
		family = AF_INET;
		s4->sin_family = AF_INET;
		sslen = sizeof *s4;
	} else if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		family = AF_INET6;
		s6->sin6_family = AF_INET6;
		sslen = sizeof *s6;
	} else {
		return; // a host name or "*": the ordinary path resolves it
	}
	for (int i = 0; i < GK_NSOCK; i++) {
		int port = gk_number(buf, gk_keys[i]);
		if (port <= 0) continue;
		if (family == AF_INET) s4->sin_port = htons((unsigned short)port);
		else s6->sin6_port = htons((unsigned short)port);
		int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) continue;
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
			close(fd);
			continue;
		}
		gk_fd[i] = fd;
		gk_port[i] = port;
	}
}

// gk_take hands the descriptors over once; -1 marks an empty slot.
static int gk_take(int i, int *port) {
	if (i < 0 || i >= GK_NSOCK || gk_taken) return -1;
	*port = gk_port[i];
	int fd = gk_fd[i];
	gk_fd[i] = -1;
	return fd;
}

static void gk_done(void) { gk_taken = 1; }
*/
import "C"

func take() []Socket {
	var out []Socket
	for i := 0; i < C.GK_NSOCK; i++ {
		var port C.int
		if fd := C.gk_take(C.int(i), &port); fd >= 0 {
			out = append(out, Socket{Port: int(port), FD: uintptr(fd)})
		}
	}
	C.gk_done()
	return out
}
