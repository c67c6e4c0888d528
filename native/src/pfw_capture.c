/*
 * pfw_capture: a small N-API libpcap binding that hands packets to JavaScript in BATCHES.
 *
 * - TPACKET_V3 block ring (non-immediate mode) with a short block timeout (default 50 ms): large capacity
 *   for bursts AND bounded latency (tcpdump's fixed 1000 ms timeout is what makes its block mode slow).
 * - Packets are copied into a caller-owned ArrayBuffer as classic-pcap records (16-byte header in host
 *   byte order: ts_sec, ts_nsec, caplen, len; then caplen bytes); one JS call per batch, not per packet.
 *   The ArrayBuffer is held by a napi_ref for the capture's life (cap 0.2.1 did not and crashed).
 * - Nanosecond kernel timestamps, pcap_stats drop counters.
 * - Netfilter log groups ("nflog", "nflog:N[,M...]", libpcap's pcap-netfilter-linux.c): a netlink socket,
 *   not a ring. libpcap 1.10 reads it with a plain recv() and turns EAGAIN of a non-blocking socket into
 *   PCAP_ERROR ("Can't receive packet: Resource temporarily unavailable"): here that means "nothing more to
 *   read". The module offers only microsecond time stamps (gettimeofday() at read time); they are scaled to
 *   the nanosecond field. After activation the group's kernel queue threshold is set to 1 (NFULNL_CFG_QTHRESH)
 *   so each packet is sent at once in its own netlink message (the kernel default batches up to 100 packets
 *   or 1 s); then the socket's drop counter (SO_MEMINFO, SK_MEMINFO_DROPS: messages the kernel could not
 *   queue) counts lost packets exactly. libpcap's own ps_drop there counts ENOBUFS errors (overflow
 *   episodes, >= 1 packet each), so it is only a lower bound and is reported as such (stats()[3]).
 *   The socket gets the requested buffer size with SO_RCVBUFFORCE (libpcap's SO_RCVBUF is capped by
 *   net.core.rmem_max).
 * - Optional network namespace: the handle is created and activated in a short-lived thread that entered
 *   the namespace with setns(); the packet socket stays bound there, the rest of the process is untouched.
 * - Polled with libuv on the main loop (uv_poll + a safety timer at the block timeout).
 *
 * JS API (see src/capture/live-native.ts):
 *   open(iface, filter, snaplen, bufferSize, timeoutMs, netns, batch: ArrayBuffer, cb(count, bytes)) -> handle
 *   devices() -> string[] (pcap_findalldevs names), libVersion() -> string
 *   handle: linktype(), dispatch() -> packets, stats() -> [recv, drop, ifdrop, dropMin], error() ->
 *           string|undefined, close(). drop is -1 when the device cannot count lost packets exactly; dropMin
 *           is then a lower bound (else equal to drop). A read error (interface removed / down) stops
 *           polling and calls cb(-1, 0).
 * Errors are thrown as Error(message) with libpcap's text.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define REC_HDR 16

typedef struct capture {
  napi_env env;
  pcap_t *p;
  uv_poll_t poll;
  uv_timer_t timer;
  int poll_started;
  int timer_started;
  int handles_open; /* libuv handles not yet closed */
  int closing;
  int closed;
  int in_dispatch;
  int finalized; /* the JS object is gone: free when the libuv handles are closed */
  napi_ref batch_ref; /* keeps the batch ArrayBuffer alive */
  napi_ref cb_ref;
  napi_ref self_ref; /* strong while open: the JS handle object */
  uint8_t *batch;
  size_t batch_cap;
  size_t batch_len;
  uint32_t batch_count;
  int linktype;
  int nano;   /* 1: libpcap gives nanoseconds in ts.tv_usec; 0: microseconds (scaled here) */
  int nflog;  /* 1: a netfilter log device (netlink socket) */
  int nflog_one_per_msg; /* nflog: queue threshold 1 was set on every group, so 1 netlink message = 1 packet */
  int failed;
  char errmsg[PCAP_ERRBUF_SIZE + 64];
} capture_t;

#define NAPI_CALL(env, call)                                         \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error((env), NULL, "pfw_capture: N-API call failed"); \
      return NULL;                                                   \
    }                                                                \
  } while (0)

static napi_value throw_msg(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

/* ---- open in (optionally) another network namespace ---------------------------------------------- */

typedef struct open_args {
  const char *iface;
  const char *netns;
  int snaplen;
  int buffer_size;
  int timeout_ms;
  pcap_t *p;
  int nano;
  int nflog;
  int nflog_qthresh_ok;
  char err[PCAP_ERRBUF_SIZE + 256];
} open_args_t;

/* "nflog", "nflog:N" or "nflog:N,M,..." as libpcap's netfilter_create() accepts it. */
static int is_nflog_device(const char *dev) {
  return strncmp(dev, "nflog", 5) == 0 && (dev[5] == 0 || dev[5] == ':');
}

/*
 * Set the kernel queue threshold of one NFLOG group bound to our socket to 1 packet (NFULNL_CFG_QTHRESH,
 * net/netfilter/nfnetlink_log.c): each logged packet is then flushed at once in its own netlink message
 * instead of being held up to 1 s. No ACK is requested: the reply would sit in the socket among the packets
 * libpcap reads (libpcap skips netlink messages that are not packets, so an error reply is harmless).
 * Returns 0 when the request was sent; drain() checks that it took effect (one packet per read).
 */
static int nflog_set_qthresh1(int fd, uint16_t group) {
  struct {
    struct nlmsghdr nlh;
    struct nfgenmsg nfg;
    struct nfattr attr;
    uint32_t value;
  } __attribute__((packed)) msg;
  memset(&msg, 0, sizeof msg);
  msg.nlh.nlmsg_len = sizeof msg;
  msg.nlh.nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
  msg.nlh.nlmsg_flags = NLM_F_REQUEST;
  msg.nlh.nlmsg_seq = 1;
  msg.nfg.nfgen_family = AF_UNSPEC;
  msg.nfg.version = NFNETLINK_V0;
  msg.nfg.res_id = htons(group);
  msg.attr.nfa_len = sizeof msg.attr + sizeof msg.value;
  msg.attr.nfa_type = NFULA_CFG_QTHRESH;
  msg.value = htonl(1);
  struct sockaddr_nl to;
  memset(&to, 0, sizeof to);
  to.nl_family = AF_NETLINK;
  ssize_t n = sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&to, sizeof to);
  return n == (ssize_t)sizeof msg ? 0 : -1;
}

/* Groups named by an nflog device (libpcap's parsing: "nflog" = group 0, "nflog:1,2"). -1 on bad syntax. */
static int nflog_groups(const char *dev, uint16_t *groups, int max) {
  int n = 0;
  const char *p = dev + 5;
  if (*p == 0) {
    groups[0] = 0;
    return 1;
  }
  p++; /* ':' */
  while (*p && n < max) {
    char *end;
    long g = strtol(p, &end, 0);
    if (end == p || g < 0 || g > 65535) return -1;
    groups[n++] = (uint16_t)g;
    p = end;
    if (*p != ',') break;
    p++;
  }
  return *p ? -1 : (n ? n : (groups[0] = 0, 1));
}

static void *open_thread(void *arg) {
  open_args_t *a = (open_args_t *)arg;
  char errbuf[PCAP_ERRBUF_SIZE];
  if (a->netns && a->netns[0]) {
    char path[512];
    snprintf(path, sizeof path, "/run/netns/%s", a->netns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      snprintf(a->err, sizeof a->err, "Cannot open network namespace \"%s\": %s", a->netns, strerror(errno));
      return NULL;
    }
    if (setns(fd, CLONE_NEWNET) != 0) {
      snprintf(a->err, sizeof a->err, "setns to network namespace \"%s\" failed: %s", a->netns, strerror(errno));
      close(fd);
      return NULL;
    }
    close(fd);
  }
  errbuf[0] = 0;
  pcap_t *p = pcap_create(a->iface, errbuf);
  if (!p) {
    snprintf(a->err, sizeof a->err, "%s", errbuf);
    return NULL;
  }
  pcap_set_snaplen(p, a->snaplen);
  pcap_set_promisc(p, 1);
  pcap_set_buffer_size(p, a->buffer_size);
  pcap_set_timeout(p, a->timeout_ms);
  pcap_set_immediate_mode(p, 0);
  /* Refused (PCAP_ERROR_TSTAMP_PRECISION_NOTSUP) by devices with microseconds only, e.g. nflog. */
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
  int st = pcap_activate(p);
  if (st < 0) {
    const char *detail = pcap_geterr(p);
    const char *status = pcap_statustostr(st);
    if (!detail || !detail[0] || strstr(detail, status))
      snprintf(a->err, sizeof a->err, "%s", detail && detail[0] ? detail : status);
    else
      snprintf(a->err, sizeof a->err, "%s (%s)", status, detail);
    pcap_close(p);
    return NULL;
  }
  a->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  a->nflog = is_nflog_device(a->iface) && pcap_datalink(p) == DLT_NFLOG;
  if (a->nflog) {
    uint16_t groups[32];
    int n = nflog_groups(a->iface, groups, 32);
    int fd = pcap_fileno(p);
    int ok = n > 0 && fd >= 0;
    for (int i = 0; ok && i < n; i++) ok = nflog_set_qthresh1(fd, groups[i]) == 0;
    a->nflog_qthresh_ok = ok;
    /* libpcap sets SO_RCVBUF, which the kernel caps at net.core.rmem_max (~208 KiB by default: a few hundred
     * messages). Capturing on nflog needs CAP_NET_ADMIN, which also allows SO_RCVBUFFORCE: give the socket
     * the buffer asked for, as the ring of a network interface gets it. Best effort. */
    if (fd >= 0 && a->buffer_size > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &a->buffer_size, sizeof a->buffer_size);
  }
  a->p = p;
  return NULL;
}

/* ---- packet delivery ---------------------------------------------------------------------------- */

static void flush_batch(capture_t *c) {
  if (c->batch_count == 0) return;
  napi_env env = c->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, self, argv[2], result;
  napi_get_reference_value(env, c->cb_ref, &cb);
  napi_get_reference_value(env, c->self_ref, &self);
  napi_create_uint32(env, c->batch_count, &argv[0]);
  napi_create_uint32(env, (uint32_t)c->batch_len, &argv[1]);
  c->batch_count = 0;
  c->batch_len = 0;
  napi_status s = napi_call_function(env, self, cb, 2, argv, &result);
  if (s == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc); /* becomes an 'uncaughtException' in the JS process */
  }
  napi_close_handle_scope(env, scope);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  capture_t *c = (capture_t *)user;
  size_t caplen = h->caplen;
  if (REC_HDR + caplen > c->batch_cap) caplen = c->batch_cap - REC_HDR; /* cannot happen: batch >= snaplen */
  if (c->batch_len + REC_HDR + caplen > c->batch_cap) flush_batch(c);
  if (c->closed || c->closing) return;
  uint32_t *hdr = (uint32_t *)(c->batch + c->batch_len);
  hdr[0] = (uint32_t)h->ts.tv_sec;
  /* nanoseconds with PCAP_TSTAMP_PRECISION_NANO; microseconds (nflog) are scaled */
  hdr[1] = c->nano ? (uint32_t)h->ts.tv_usec : (uint32_t)h->ts.tv_usec * 1000u;
  hdr[2] = (uint32_t)caplen;
  hdr[3] = (uint32_t)h->len;
  memcpy(c->batch + c->batch_len + REC_HDR, bytes, caplen);
  c->batch_len += (REC_HDR + caplen + 3) & ~(size_t)3; /* keep headers 4-byte aligned */
  c->batch_count++;
}

static void release(capture_t *c);

/* Tell JS the capture failed (interface gone / down): cb(-1, 0); the message is in handle.error(). */
static void report_failure(capture_t *c) {
  if (c->poll_started) uv_poll_stop(&c->poll);
  if (c->timer_started) uv_timer_stop(&c->timer);
  c->batch_count = 0;
  c->batch_len = 0;
  napi_env env = c->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, self, argv[2], result;
  napi_get_reference_value(env, c->cb_ref, &cb);
  napi_get_reference_value(env, c->self_ref, &self);
  napi_create_int32(env, -1, &argv[0]);
  napi_create_uint32(env, 0, &argv[1]);
  if (napi_call_function(env, self, cb, 2, argv, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

/* Read everything available now; returns packets read. */
static int drain(capture_t *c) {
  if (c->closed || c->failed || !c->p) return 0;
  int total = 0;
  c->in_dispatch = 1;
  /* A ring read returns a block of packets; a netlink (nflog) read returns one message = one packet. */
  int max_rounds = c->nflog ? 1024 : 64;
  for (int rounds = 0; rounds < max_rounds && !c->closing; rounds++) {
    errno = 0;
    int n = pcap_dispatch(c->p, -1, on_packet, (u_char *)c);
    if (n == PCAP_ERROR && c->nflog && (errno == EAGAIN || errno == EWOULDBLOCK)) break; /* no packet yet */
    if (n == PCAP_ERROR) {
      snprintf(c->errmsg, sizeof c->errmsg, "%s", pcap_geterr(c->p));
      c->failed = 1;
      break;
    }
    if (n <= 0) break;
    /* One read = one netlink message: more than one packet means the kernel batched (the threshold request
     * did not take effect), so the message drop counter is no longer a packet count. */
    if (c->nflog && n > 1) c->nflog_one_per_msg = 0;
    total += n;
  }
  if (!c->closing) flush_batch(c);
  if (c->failed && !c->closing) report_failure(c);
  c->in_dispatch = 0;
  if (c->closing) release(c);
  return total;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)events;
  capture_t *c = (capture_t *)h->data;
  drain(c);
  /* libuv stops a poll handle on POLLERR (e.g. a pending ENOBUFS on an nflog netlink socket, consumed by
   * the read above): start it again, else only the safety timer would read. */
  if (status < 0 && !c->closed && !c->closing && !c->failed) uv_poll_start(h, UV_READABLE, on_poll);
}

static void on_timer(uv_timer_t *t) { drain((capture_t *)t->data); }

static void on_handle_closed(uv_handle_t *h) {
  capture_t *c = (capture_t *)h->data;
  if (--c->handles_open == 0) {
    if (c->p) pcap_close(c->p);
    c->p = NULL;
    if (c->finalized) free(c);
  }
}

/* Stop polling, close libuv handles (pcap_close after they closed), drop the references. */
static void release(capture_t *c) {
  if (c->closed) return;
  c->closed = 1;
  if (c->poll_started) uv_poll_stop(&c->poll);
  if (c->timer_started) uv_timer_stop(&c->timer);
  c->handles_open = c->poll_started + c->timer_started;
  if (c->poll_started) uv_close((uv_handle_t *)&c->poll, on_handle_closed);
  if (c->timer_started) uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  if (c->handles_open == 0 && c->p) {
    pcap_close(c->p);
    c->p = NULL;
  }
  /* The batch buffer may be released only now: libpcap no longer writes (we copy, it never wrote there). */
  if (c->cb_ref) napi_delete_reference(c->env, c->cb_ref);
  if (c->batch_ref) napi_delete_reference(c->env, c->batch_ref);
  if (c->self_ref) napi_delete_reference(c->env, c->self_ref);
  c->cb_ref = c->batch_ref = c->self_ref = NULL;
  c->batch = NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  capture_t *c = (capture_t *)data;
  /* Only reached after release() dropped the strong self reference. The uv handles live inside c: free it
   * now if they are closed, else on_handle_closed frees it. */
  c->finalized = 1;
  if (c->closed && c->handles_open == 0) free(c);
}

static capture_t *unwrap(napi_env env, napi_callback_info info) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return (capture_t *)data;
}

static napi_value m_dispatch(napi_env env, napi_callback_info info) {
  capture_t *c = unwrap(env, info);
  if (!c) return throw_msg(env, "pfw_capture: bad handle");
  napi_value r;
  int n = c->in_dispatch ? 0 : drain(c);
  napi_create_int32(env, n, &r);
  return r;
}

static napi_value m_stats(napi_env env, napi_callback_info info) {
  capture_t *c = unwrap(env, info);
  if (!c) return throw_msg(env, "pfw_capture: bad handle");
  struct pcap_stat ps;
  memset(&ps, 0, sizeof ps);
  if (c->closed || !c->p || pcap_stats(c->p, &ps) != 0) {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  }
  double drop = (double)ps.ps_drop, drop_min = (double)ps.ps_drop;
  if (c->nflog) {
    /* ps_drop counts ENOBUFS errors (overflow episodes), not packets. With one packet per netlink message
     * the socket's drop counter is exact; without it (or without SO_MEMINFO) only a lower bound is known. */
    uint32_t mem[SK_MEMINFO_VARS];
    socklen_t len = sizeof mem;
    memset(mem, 0, sizeof mem);
    int fd = pcap_fileno(c->p);
    if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
        len >= (SK_MEMINFO_DROPS + 1) * sizeof(uint32_t)) {
      double msgs = (double)mem[SK_MEMINFO_DROPS];
      drop_min = msgs > drop_min ? msgs : drop_min;
      drop = c->nflog_one_per_msg ? msgs : (drop_min == 0 ? 0 : -1);
    } else {
      /* Every lost message raises one ENOBUFS before the next read: none counted = none lost. */
      drop = drop_min == 0 ? 0 : -1;
    }
  }
  napi_value arr, v;
  napi_create_array_with_length(env, 4, &arr);
  napi_create_double(env, (double)ps.ps_recv, &v);
  napi_set_element(env, arr, 0, v);
  napi_create_double(env, drop, &v);
  napi_set_element(env, arr, 1, v);
  napi_create_double(env, (double)ps.ps_ifdrop, &v);
  napi_set_element(env, arr, 2, v);
  napi_create_double(env, drop_min, &v);
  napi_set_element(env, arr, 3, v);
  return arr;
}

static napi_value m_linktype(napi_env env, napi_callback_info info) {
  capture_t *c = unwrap(env, info);
  if (!c) return throw_msg(env, "pfw_capture: bad handle");
  napi_value r;
  napi_create_int32(env, c->linktype, &r);
  return r;
}

static napi_value m_error(napi_env env, napi_callback_info info) {
  capture_t *c = unwrap(env, info);
  napi_value r;
  if (!c || !c->failed) {
    napi_get_undefined(env, &r);
    return r;
  }
  napi_create_string_utf8(env, c->errmsg, NAPI_AUTO_LENGTH, &r);
  return r;
}

static napi_value m_close(napi_env env, napi_callback_info info) {
  capture_t *c = unwrap(env, info);
  napi_value u;
  napi_get_undefined(env, &u);
  if (!c || c->closed) return u;
  if (c->in_dispatch) {
    c->closing = 1; /* released when dispatch returns */
    if (c->p) pcap_breakloop(c->p);
  } else {
    release(c);
  }
  return u;
}

static int get_string(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t len = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_undefined || t == napi_null) {
    buf[0] = 0;
    return 0;
  }
  if (t != napi_string) return -1;
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok) return -1;
  return len + 1 >= cap ? -1 : 0;
}

static napi_value m_open(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8) return throw_msg(env, "pfw_capture.open: expected 8 arguments");
  char iface[64], netns[256];
  static char filter[65536];
  int32_t snaplen, bufsize, timeout;
  if (get_string(env, argv[0], iface, sizeof iface) != 0) return throw_msg(env, "pfw_capture.open: bad interface name");
  if (get_string(env, argv[1], filter, sizeof filter) != 0) return throw_msg(env, "pfw_capture.open: bad filter");
  NAPI_CALL(env, napi_get_value_int32(env, argv[2], &snaplen));
  NAPI_CALL(env, napi_get_value_int32(env, argv[3], &bufsize));
  NAPI_CALL(env, napi_get_value_int32(env, argv[4], &timeout));
  if (get_string(env, argv[5], netns, sizeof netns) != 0) return throw_msg(env, "pfw_capture.open: bad netns");
  bool is_ab = false;
  NAPI_CALL(env, napi_is_arraybuffer(env, argv[6], &is_ab));
  if (!is_ab) return throw_msg(env, "pfw_capture.open: batch must be an ArrayBuffer");
  void *batch = NULL;
  size_t batch_cap = 0;
  NAPI_CALL(env, napi_get_arraybuffer_info(env, argv[6], &batch, &batch_cap));
  if (snaplen <= 0 || batch_cap < (size_t)snaplen + REC_HDR + 4)
    return throw_msg(env, "pfw_capture.open: batch buffer smaller than snaplen");

  open_args_t a;
  memset(&a, 0, sizeof a);
  a.iface = iface;
  a.netns = netns;
  a.snaplen = snaplen;
  a.buffer_size = bufsize;
  a.timeout_ms = timeout > 0 ? timeout : 50;
  if (netns[0]) {
    pthread_t th;
    if (pthread_create(&th, NULL, open_thread, &a) != 0) return throw_msg(env, "pfw_capture: cannot start thread");
    pthread_join(th, NULL);
  } else {
    open_thread(&a);
  }
  if (!a.p) return throw_msg(env, a.err[0] ? a.err : "pcap open failed");
  pcap_t *p = a.p;

  if (filter[0]) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
      char msg[PCAP_ERRBUF_SIZE + 64];
      snprintf(msg, sizeof msg, "%s", pcap_geterr(p)); /* "can't parse filter expression: ..." */
      pcap_close(p);
      return throw_msg(env, msg);
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
      char msg[PCAP_ERRBUF_SIZE + 64];
      snprintf(msg, sizeof msg, "cannot set filter: %s", pcap_geterr(p));
      pcap_close(p);
      return throw_msg(env, msg);
    }
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    pcap_close(p);
    return throw_msg(env, errbuf);
  }
  int fd = pcap_get_selectable_fd(p);
  if (fd < 0) {
    pcap_close(p);
    return throw_msg(env, "pcap handle has no selectable descriptor");
  }

  capture_t *c = (capture_t *)calloc(1, sizeof *c);
  if (!c) {
    pcap_close(p);
    return throw_msg(env, "out of memory");
  }
  c->env = env;
  c->p = p;
  c->batch = (uint8_t *)batch;
  c->batch_cap = batch_cap;
  c->linktype = pcap_datalink(p);
  c->nano = a.nano;
  c->nflog = a.nflog;
  c->nflog_one_per_msg = a.nflog_qthresh_ok;

  napi_value self;
  NAPI_CALL(env, napi_create_object(env, &self));
  napi_property_descriptor props[] = {
      {"dispatch", NULL, m_dispatch, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, m_stats, NULL, NULL, NULL, napi_default, NULL},
      {"linktype", NULL, m_linktype, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, m_close, NULL, NULL, NULL, napi_default, NULL},
      {"error", NULL, m_error, NULL, NULL, NULL, napi_default, NULL},
  };
  NAPI_CALL(env, napi_define_properties(env, self, 5, props));
  NAPI_CALL(env, napi_wrap(env, self, c, finalize, NULL, NULL));
  NAPI_CALL(env, napi_create_reference(env, self, 1, &c->self_ref));
  NAPI_CALL(env, napi_create_reference(env, argv[6], 1, &c->batch_ref));
  NAPI_CALL(env, napi_create_reference(env, argv[7], 1, &c->cb_ref));

  uv_loop_t *loop = NULL;
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &c->poll, fd) == 0) {
    c->poll.data = c;
    uv_poll_start(&c->poll, UV_READABLE, on_poll);
    c->poll_started = 1;
  }
  if (uv_timer_init(loop, &c->timer) == 0) {
    c->timer.data = c;
    uv_timer_start(&c->timer, on_timer, (uint64_t)a.timeout_ms, (uint64_t)a.timeout_ms);
    c->timer_started = 1;
  }
  return self;
}

static napi_value m_version(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &r);
  return r;
}

/* devices() -> names pcap_findalldevs() lists (network interfaces and pseudo devices such as "nflog"). */
static napi_value m_devices(napi_env env, napi_callback_info info) {
  (void)info;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_if_t *all = NULL;
  napi_value arr, v;
  NAPI_CALL(env, napi_create_array(env, &arr));
  if (pcap_findalldevs(&all, errbuf) != 0) return arr;
  uint32_t i = 0;
  for (pcap_if_t *d = all; d; d = d->next) {
    if (!d->name) continue;
    napi_create_string_utf8(env, d->name, NAPI_AUTO_LENGTH, &v);
    napi_set_element(env, arr, i++, v);
  }
  pcap_freealldevs(all);
  return arr;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"open", NULL, m_open, NULL, NULL, NULL, napi_default, NULL},
      {"libVersion", NULL, m_version, NULL, NULL, NULL, napi_default, NULL},
      {"devices", NULL, m_devices, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}
