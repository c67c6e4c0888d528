/**
 * The bundled example trace: a small, deterministic personal-machine capture (home LAN 192.168.1.0/24).
 * Contents: ARP, DNS to the router 192.168.1.1, HTTPS (443) and HTTP (80) sessions, an inbound telnet (23)
 * attempt, an SMTP (25) session, traffic from 10.0.0.5, ICMP pings, an IPv6 HTTPS flow with ICMPv6 echo,
 * 802.1Q-tagged frames (VLAN 10), a 20-port SYN sweep from 198.51.100.99, NTP, mDNS, one unknown TCP port,
 * and IP protocols other than TCP/UDP/ICMP: an IGMP membership report, a GRE packet and an ESP exchange.
 * With the legacy rules {"allow":{"ips":["192.168.1.1"],"ports":[80,443],"protocols":["TCP","UDP"]},
 * "block":{"ips":["10.0.0.5"],"ports":[23,25],"protocols":["ICMP"]}} it yields BLOCKED, ALLOWED and UNKNOWN.
 */
import {
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  arp,
  ascii,
  dnsAnswer,
  dnsQuery,
  ethernet,
  icmp,
  icmpv6,
  inetChecksum,
  ipv4,
  ipv4Bytes,
  ipv6,
  prng,
  randomBytes,
  tcp,
  udp,
} from "../test/support/packet.js";

/** One frame of the example trace. */
export interface TraceFrame {
  data: Uint8Array;
  tsSec: number;
  tsNsec: number;
}

const LAPTOP_MAC = "3c:22:fb:12:34:56";
const ROUTER_MAC = "a0:63:91:aa:bb:cc";
const PHONE_MAC = "f0:99:b6:01:02:03";
const LAPTOP = "192.168.1.23";
const ROUTER = "192.168.1.1";
const LAPTOP6 = "2001:db8:1234:1::23";
const START = 1710493200; // 2024-03-15 09:00:00 UTC

/** Build the example trace (same output on every call). */
export function buildExampleTrace(): TraceFrame[] {
  const rnd = prng(20240315);
  const frames: TraceFrame[] = [];
  let t = 0; // microseconds since START
  const at = (deltaUs: number): void => {
    t += deltaUs;
  };
  const emit = (data: Uint8Array): void => {
    frames.push({ data, tsSec: START + Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000 });
    at(50 + Math.floor(rnd() * 400));
  };
  // Ethernet/IPv4 frame from the laptop (out) or towards it (in), via the router's MAC
  const v4 = (src: string, dst: string, proto: number, l4: Uint8Array, vlan?: number): void => {
    const out = src.startsWith("192.168.1.");
    const sMac = out ? LAPTOP_MAC : ROUTER_MAC;
    const dMac = out ? ROUTER_MAC : LAPTOP_MAC;
    emit(ethernet(sMac, dMac, 0x0800, ipv4({ src, dst, proto, id: frames.length & 0xffff }, l4), vlan));
  };

  /** A TCP session: handshake, request/response exchanges, FIN. */
  type Data = number | Uint8Array;
  const bytesOf = (d: Data): Uint8Array => (typeof d === "number" ? randomBytes(rnd, d) : d);
  const tcpSession = (
    cli: string,
    srv: string,
    sport: number,
    dport: number,
    exchanges: [Data, Data][],
  ): void => {
    let cs = 1000 + Math.floor(rnd() * 1e6);
    let ss = 5000 + Math.floor(rnd() * 1e6);
    v4(cli, srv, 6, tcp({ src: cli, dst: srv, sport, dport, seq: cs, flags: TCP_SYN, mss: 1460 }));
    at(20000);
    v4(
      srv,
      cli,
      6,
      tcp({
        src: srv,
        dst: cli,
        sport: dport,
        dport: sport,
        seq: ss,
        ack: cs + 1,
        flags: TCP_SYN | TCP_ACK,
        mss: 1460,
      }),
    );
    cs++;
    ss++;
    v4(cli, srv, 6, tcp({ src: cli, dst: srv, sport, dport, seq: cs, ack: ss, flags: TCP_ACK }));
    for (const [up, down] of exchanges) {
      const req = bytesOf(up);
      v4(
        cli,
        srv,
        6,
        tcp({ src: cli, dst: srv, sport, dport, seq: cs, ack: ss, flags: TCP_ACK | TCP_PSH }, req),
      );
      cs += req.length;
      at(15000);
      const resp = bytesOf(down);
      v4(
        srv,
        cli,
        6,
        tcp(
          { src: srv, dst: cli, sport: dport, dport: sport, seq: ss, ack: cs, flags: TCP_ACK | TCP_PSH },
          resp,
        ),
      );
      ss += resp.length;
      v4(cli, srv, 6, tcp({ src: cli, dst: srv, sport, dport, seq: cs, ack: ss, flags: TCP_ACK }));
    }
    v4(cli, srv, 6, tcp({ src: cli, dst: srv, sport, dport, seq: cs, ack: ss, flags: TCP_FIN | TCP_ACK }));
    v4(
      srv,
      cli,
      6,
      tcp({ src: srv, dst: cli, sport: dport, dport: sport, seq: ss, ack: cs + 1, flags: TCP_FIN | TCP_ACK }),
    );
    v4(cli, srv, 6, tcp({ src: cli, dst: srv, sport, dport, seq: cs + 1, ack: ss + 1, flags: TCP_ACK }));
  };

  const dns = (id: number, name: string, addr: string): void => {
    const sport = 40000 + id;
    v4(LAPTOP, ROUTER, 17, udp(LAPTOP, ROUTER, sport, 53, dnsQuery(id, name)));
    at(8000);
    v4(ROUTER, LAPTOP, 17, udp(ROUTER, LAPTOP, 53, sport, dnsAnswer(id, name, addr)));
  };

  const ping = (src: string, dst: string, id: number, count: number): void => {
    for (let s = 1; s <= count; s++) {
      const data = randomBytes(rnd, 32);
      v4(src, dst, 1, icmp(8, 0, id, s, data));
      at(12000);
      v4(dst, src, 1, icmp(0, 0, id, s, data));
      at(200000);
    }
  };

  // 1. ARP for the gateway
  emit(
    ethernet(
      LAPTOP_MAC,
      "ff:ff:ff:ff:ff:ff",
      0x0806,
      arp(1, LAPTOP_MAC, LAPTOP, "00:00:00:00:00:00", ROUTER),
    ),
  );
  emit(ethernet(ROUTER_MAC, LAPTOP_MAC, 0x0806, arp(2, ROUTER_MAC, ROUTER, LAPTOP_MAC, LAPTOP)));
  // 2. DNS + HTTPS sessions
  const sites: [string, string][] = [
    ["www.example.com", "93.184.216.34"],
    ["mail.google.com", "142.250.74.37"],
    ["github.com", "140.82.121.4"],
    ["news.ycombinator.com", "209.216.230.240"],
  ];
  sites.forEach(([name, addr], i) => {
    dns(100 + i, name, addr);
    tcpSession(LAPTOP, addr, 51000 + i, 443, [
      [120 + i * 10, 300],
      [50, 150 + i * 30],
      [60, 250],
    ]);
    at(300000);
  });
  // 3. plain HTTP
  dns(110, "neverssl.com", "34.223.124.45");
  tcpSession(LAPTOP, "34.223.124.45", 52010, 80, [
    [
      ascii("GET / HTTP/1.1\r\nHost: neverssl.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"),
      ascii(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 45\r\n\r\n<html><body>NeverSSL example</body></html>\r\n",
      ),
    ],
  ]);
  // 4. ICMP pings (to the internet and to the router)
  ping(LAPTOP, "8.8.8.8", 0x1234, 4);
  ping(LAPTOP, ROUTER, 0x1235, 2);
  // 5. inbound telnet attempt: SYN to 23, laptop resets
  for (let k = 0; k < 3; k++) {
    v4(
      "203.0.113.50",
      LAPTOP,
      6,
      tcp({ src: "203.0.113.50", dst: LAPTOP, sport: 40123, dport: 23, seq: 777 + k, flags: TCP_SYN }),
    );
    v4(
      LAPTOP,
      "203.0.113.50",
      6,
      tcp({
        src: LAPTOP,
        dst: "203.0.113.50",
        sport: 23,
        dport: 40123,
        ack: 778 + k,
        flags: TCP_RST | TCP_ACK,
      }),
    );
    at(1000000);
  }
  // 6. SMTP session to port 25
  dns(120, "smtp.example.net", "198.51.100.25");
  tcpSession(LAPTOP, "198.51.100.25", 52100, 25, [
    [ascii("EHLO laptop.home\r\n"), ascii("250-smtp.example.net Hello\r\n250 SIZE 35882577\r\n")],
    [ascii("MAIL FROM:<me@example.org>\r\n"), ascii("250 2.1.0 Ok\r\n")],
    [ascii("QUIT\r\n"), ascii("221 2.0.0 Bye\r\n")],
  ]);
  // 7. traffic from 10.0.0.5 (another subnet over the VPN)
  for (let k = 0; k < 3; k++) {
    v4(
      "10.0.0.5",
      LAPTOP,
      6,
      tcp({ src: "10.0.0.5", dst: LAPTOP, sport: 45000 + k, dport: 22, seq: 9000 + k, flags: TCP_SYN }),
    );
    v4(
      LAPTOP,
      "10.0.0.5",
      6,
      tcp({
        src: LAPTOP,
        dst: "10.0.0.5",
        sport: 22,
        dport: 45000 + k,
        ack: 9001 + k,
        flags: TCP_RST | TCP_ACK,
      }),
    );
  }
  v4("10.0.0.5", LAPTOP, 17, udp("10.0.0.5", LAPTOP, 5353, 5353, dnsQuery(0, "laptop.local")));
  ping("10.0.0.5", LAPTOP, 0x0505, 2);
  // 8. IPv6: ICMPv6 echo and an HTTPS flow
  const v6 = (src: string, dst: string, nh: number, l4: Uint8Array): void => {
    const out = src === LAPTOP6;
    emit(
      ethernet(
        out ? LAPTOP_MAC : ROUTER_MAC,
        out ? ROUTER_MAC : LAPTOP_MAC,
        0x86dd,
        ipv6({ src, dst, nextHeader: nh }, l4),
      ),
    );
  };
  const SRV6 = "2606:2800:220:1:248:1893:25c8:1946";
  for (let s = 1; s <= 2; s++) {
    const d = randomBytes(rnd, 16);
    v6(LAPTOP6, SRV6, 58, icmpv6(LAPTOP6, SRV6, 128, 0, 0x66, s, d));
    v6(SRV6, LAPTOP6, 58, icmpv6(SRV6, LAPTOP6, 129, 0, 0x66, s, d));
  }
  {
    let cs = 4242;
    let ss = 8484;
    const sp = 53000;
    v6(
      LAPTOP6,
      SRV6,
      6,
      tcp({ src: LAPTOP6, dst: SRV6, sport: sp, dport: 443, seq: cs, flags: TCP_SYN, mss: 1440 }),
    );
    v6(
      SRV6,
      LAPTOP6,
      6,
      tcp({
        src: SRV6,
        dst: LAPTOP6,
        sport: 443,
        dport: sp,
        seq: ss,
        ack: cs + 1,
        flags: TCP_SYN | TCP_ACK,
        mss: 1440,
      }),
    );
    cs++;
    ss++;
    v6(
      LAPTOP6,
      SRV6,
      6,
      tcp({ src: LAPTOP6, dst: SRV6, sport: sp, dport: 443, seq: cs, ack: ss, flags: TCP_ACK }),
    );
    for (let k = 0; k < 4; k++) {
      const up = randomBytes(rnd, 60);
      v6(
        LAPTOP6,
        SRV6,
        6,
        tcp(
          { src: LAPTOP6, dst: SRV6, sport: sp, dport: 443, seq: cs, ack: ss, flags: TCP_ACK | TCP_PSH },
          up,
        ),
      );
      cs += 60;
      const down = randomBytes(rnd, 200);
      v6(
        SRV6,
        LAPTOP6,
        6,
        tcp(
          { src: SRV6, dst: LAPTOP6, sport: 443, dport: sp, seq: ss, ack: cs, flags: TCP_ACK | TCP_PSH },
          down,
        ),
      );
      ss += 200;
    }
    v6(
      LAPTOP6,
      SRV6,
      6,
      tcp({ src: LAPTOP6, dst: SRV6, sport: sp, dport: 443, seq: cs, ack: ss, flags: TCP_FIN | TCP_ACK }),
    );
  }
  // 9. 802.1Q-tagged frames (VLAN 10: IoT segment)
  for (let k = 0; k < 3; k++) {
    const src = "192.168.10.5";
    emit(
      ethernet(
        PHONE_MAC,
        ROUTER_MAC,
        0x0800,
        ipv4(
          { src, dst: ROUTER, proto: 17 },
          udp(src, ROUTER, 50500 + k, 53, dnsQuery(200 + k, "iot.example.org")),
        ),
        10,
      ),
    );
  }
  // 10. port sweep of 20 ports from one external host
  const ports = [
    21, 22, 23, 25, 53, 80, 110, 135, 139, 143, 443, 445, 993, 995, 1433, 3306, 3389, 5900, 8080, 8443,
  ];
  for (const p of ports) {
    v4(
      "198.51.100.99",
      LAPTOP,
      6,
      tcp({
        src: "198.51.100.99",
        dst: LAPTOP,
        sport: 61000,
        dport: p,
        seq: 31337,
        flags: TCP_SYN,
        window: 1024,
      }),
    );
    v4(
      LAPTOP,
      "198.51.100.99",
      6,
      tcp({
        src: LAPTOP,
        dst: "198.51.100.99",
        sport: p,
        dport: 61000,
        ack: 31338,
        flags: TCP_RST | TCP_ACK,
        window: 0,
      }),
    );
    at(2000);
  }
  // 11. NTP, mDNS, and an unknown TCP service
  const ntp = new Uint8Array(48);
  ntp[0] = 0x23;
  v4(LAPTOP, "162.159.200.1", 17, udp(LAPTOP, "162.159.200.1", 123, 123, ntp));
  v4("162.159.200.1", LAPTOP, 17, udp("162.159.200.1", LAPTOP, 123, 123, ntp));
  emit(
    ethernet(
      LAPTOP_MAC,
      "01:00:5e:00:00:fb",
      0x0800,
      ipv4(
        { src: LAPTOP, dst: "224.0.0.251", proto: 17, ttl: 255 },
        udp(LAPTOP, "224.0.0.251", 5353, 5353, dnsQuery(0, "_printer._tcp.local")),
      ),
    ),
  );
  tcpSession(LAPTOP, "192.0.2.10", 52200, 8443, [[100, 150]]);
  // 12. a last HTTPS session with bulk download (many packets)
  dns(130, "cdn.example.com", "151.101.1.69");
  tcpSession(
    LAPTOP,
    "151.101.1.69",
    52300,
    443,
    Array.from({ length: 20 }, () => [30, 180] as [number, number]),
  );
  // 13. IP protocols other than TCP/UDP/ICMP (legacy rules: UNKNOWN): IGMP, GRE, ESP
  {
    // IGMPv2 membership report for the mDNS group (RFC 2236 section 2), TTL 1
    const igmp = new Uint8Array(8);
    igmp[0] = 0x16;
    igmp.set(ipv4Bytes("224.0.0.251"), 4);
    const ck = inetChecksum(igmp);
    igmp[2] = ck >> 8;
    igmp[3] = ck & 0xff;
    emit(
      ethernet(
        LAPTOP_MAC,
        "01:00:5e:00:00:fb",
        0x0800,
        ipv4({ src: LAPTOP, dst: "224.0.0.251", proto: 2, ttl: 1 }, igmp),
      ),
    );
  }
  {
    // GRE (RFC 2784) to a home-lab bridge: transparent Ethernet bridging (0x6558) carrying an ARP request
    const inner = ethernet(
      LAPTOP_MAC,
      "ff:ff:ff:ff:ff:ff",
      0x0806,
      arp(1, LAPTOP_MAC, "10.99.0.1", "00:00:00:00:00:00", "10.99.0.2"),
    );
    const gre = new Uint8Array(4 + inner.length);
    gre[2] = 0x65;
    gre[3] = 0x58;
    gre.set(inner, 4);
    v4(LAPTOP, "203.0.113.7", 47, gre);
  }
  for (let k = 0; k < 2; k++) {
    // ESP (RFC 4303): SPI, sequence number, then encrypted bytes; out and back
    const esp = (spi: number): Uint8Array => {
      const b = new Uint8Array(8 + 48);
      b.set([spi >>> 24, (spi >>> 16) & 0xff, (spi >>> 8) & 0xff, spi & 0xff, 0, 0, 0, k + 1], 0);
      b.set(randomBytes(rnd, 48), 8);
      return b;
    };
    v4(LAPTOP, "198.51.100.200", 50, esp(0xc0ffee01));
    at(30000);
    v4("198.51.100.200", LAPTOP, 50, esp(0x5eed0001));
  }
  return frames;
}
