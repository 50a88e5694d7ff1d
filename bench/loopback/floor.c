// The loopback floor without Go: what a request and its answer cost the
// kernel and the CPUs of this machine when server and clients share it,
// for any server in any language. One process: a single-threaded epoll
// server that answers every REQ bytes received with RESP bytes (no
// parsing at all), and a single-threaded epoll load generator with N
// connections, one request in flight on each (closed loop, as seqnet's
// lean clients). Prints round trips a second and CPU µs a round trip
// (user + system of the whole process). REQ and RESP are the sizes of a
// W2 request (one text of 256 words as TF Serving JSON, with its HTTP
// head) and of serve's answer. Built and run by bench/loopback.sh.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { REQ = 1900, RESP = 180, MAXFD = 65536, MAXCLIENTS = 4096 };

static int port, nclients;
static long perclient, done;
static int got[MAXFD]; // bytes received on each socket, not yet answered

static void die(const char *what) {
	perror(what);
	exit(1);
}

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void nodelay(int fd) {
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void watch(int ep, int fd) {
	struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)) die("epoll_ctl");
}

static void sendall(int fd, const char *b, int n) {
	while (n > 0) {
		int w = write(fd, b, n);
		if (w <= 0) die("write");
		b += w, n -= w;
	}
}

static void *server(void *arg) {
	int ls = *(int *)arg, ep = epoll_create1(0);
	static char buf[1 << 16], resp[RESP];
	struct epoll_event evs[64];
	memset(resp, 'a', RESP);
	watch(ep, ls);
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == ls) {
				int c = accept(ls, 0, 0);
				if (c < 0 || c >= MAXFD) die("accept");
				nodelay(c);
				watch(ep, c);
				continue;
			}
			int r = read(fd, buf, sizeof buf);
			if (r <= 0) {
				close(fd);
				continue;
			}
			for (got[fd] += r; got[fd] >= REQ; got[fd] -= REQ) sendall(fd, resp, RESP);
		}
	}
	return 0;
}

static void *clients(void *arg) {
	(void)arg;
	int ep = epoll_create1(0);
	static char req[REQ], buf[1 << 16];
	struct epoll_event evs[64];
	long total = perclient * nclients;
	memset(req, 'q', REQ);
	for (int k = 0; k < nclients; k++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		if (s < 0 || s >= MAXFD || connect(s, (void *)&a, sizeof a)) die("connect");
		nodelay(s);
		watch(ep, s);
		sendall(s, req, REQ);
	}
	long sent = nclients;
	while (done < total) {
		int n = epoll_wait(ep, evs, 64, -1);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, r = read(fd, buf, sizeof buf);
			if (r <= 0) die("read");
			for (got[fd] += r; got[fd] >= RESP; got[fd] -= RESP) {
				done++;
				if (sent < total) sendall(fd, req, REQ), sent++;
			}
		}
	}
	return 0;
}

static double cpu(void) {
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

int main(int argc, char **argv) {
	if (argc != 3 || (nclients = atoi(argv[1])) < 1 || nclients > MAXCLIENTS || (perclient = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: floor CLIENTS ROUNDTRIPS_PER_CLIENT\n");
		return 2;
	}
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	if (ls < 0 || bind(ls, (void *)&a, sizeof a) || listen(ls, 4096) || getsockname(ls, (void *)&a, &l)) die("listen");
	port = ntohs(a.sin_port);
	pthread_t s, c;
	pthread_create(&s, 0, server, &ls);
	double c0 = cpu(), t0 = now();
	pthread_create(&c, 0, clients, 0);
	pthread_join(c, 0);
	double t = now() - t0, used = cpu() - c0;
	printf("clients=%d  %ld round trips  %.0f/s  %.1f CPU µs a round trip  %.2f cores busy\n", nclients, done, done / t, used * 1e6 / done, used / t);
	return 0;
}
