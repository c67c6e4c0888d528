#!/usr/bin/env python3
"""Reference for the original project's packet verdicts (Scapy + rules.json), for tests only.

The original program is not available; this is a faithful rewrite of what it decided. It sniffed
with Scapy and called a callback for every packet; the callback handled only packets with
``IP in packet`` (IPv4 anywhere in Scapy's dissection, judged by the OUTERMOST IPv4 header,
``packet[IP]``) and decided with the legacy rule file {"allow": {...}, "block": {...}}:

  - protocol name: "TCP" if ``TCP in packet``, else "UDP" if ``UDP in packet``, else "ICMP" if
    ``ICMP in packet``, else ``str(packet[IP].proto)``; ports come from ``packet[TCP]`` /
    ``packet[UDP]`` (Scapy's first layer of that class, which in a tunnel is the inner one);
  - BLOCKED if the source IP is in block.ips, or the protocol name is in block.protocols, or a
    TCP/UDP source or destination port is in block.ports; else ALLOWED by the same test on allow;
    else UNKNOWN.

Reads pcap and pcapng (Scapy's PcapReader picks the format by magic). Needs Debian's python3-scapy
(Scapy 2.5). The test test/scan/legacy-equivalence.test.ts runs it and compares with pfw.

Usage: legacy_firewall.py RULES.json [--max N] FILE...
Output, for each FILE: a line "# FILE", then one line per frame:
  "<frame> <verdict or -> <notes>"
where frame is 1-based, "-" means no IPv4 layer (the original ignored the packet), and notes is a
comma-separated list of what Scapy saw that explains known differences with pfw (not part of the
original decision): tunnel (another IP/IPv6 layer inside the packet, or a TCP/UDP/ICMP layer that
does not follow the outer IP header directly: GRE, VXLAN...), ip6outer (IPv4 only inside IPv6),
empty (Scapy returned the record without its bytes, as Scapy 2.5 does for pcapng Simple Packet
Blocks), or "." for none.
A frame Scapy cannot parse at all prints "<frame> - error".
"""

import json
import sys

from scapy.all import conf  # noqa: F401  (loads the default layer bindings, as `from scapy.all import *` did)
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw
from scapy.utils import PcapReader


def lists(rules, side):
    sect = rules.get(side, {})
    return (
        set(sect.get("ips", [])),
        set(sect.get("ports", [])),
        set(sect.get("protocols", [])),
    )


def matches(lst, src, proto_name, sport, dport):
    ips, ports, protos = lst
    if src in ips or proto_name in protos:
        return True
    return sport is not None and (sport in ports or dport in ports)


def decide(pkt, block, allow):
    """The original callback's decision for one packet, or None when it ignored the packet."""
    if IP not in pkt:
        return None
    ip = pkt[IP]
    sport = dport = None
    if TCP in pkt:
        name = "TCP"
        sport, dport = pkt[TCP].sport, pkt[TCP].dport
    elif UDP in pkt:
        name = "UDP"
        sport, dport = pkt[UDP].sport, pkt[UDP].dport
    elif ICMP in pkt:
        name = "ICMP"
    else:
        name = str(ip.proto)
    if matches(block, ip.src, name, sport, dport):
        return "BLOCKED"
    if matches(allow, ip.src, name, sport, dport):
        return "ALLOWED"
    return "UNKNOWN"


def notes(pkt):
    """What in Scapy's dissection explains a known difference with pfw (diagnostics only)."""
    out = []
    layers = []
    p = pkt
    while p is not None and not isinstance(p, Raw) and p.__class__.__name__ != "NoPayload":
        layers.append(p.__class__)
        p = p.payload if p.payload else None
    if IP in pkt:
        first = next(i for i, c in enumerate(layers) if c in (IP, IPv6))
        after = layers[first + 1 :]
        if layers[first] is IPv6:
            out.append("ip6outer")
        # another IP header inside, or a transport not right after the outer IP (GRE, VXLAN...)
        if any(c in (IP, IPv6) for c in after) or any(c in (TCP, UDP, ICMP) for c in after[1:]):
            out.append("tunnel")
    if not (pkt.original or b""):
        out.append("empty")
    return ",".join(out) or "."


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: legacy_firewall.py RULES.json [--max N] FILE...\n")
        return 2
    with open(argv[0], encoding="utf-8") as f:
        rules = json.load(f)
    block, allow = lists(rules, "block"), lists(rules, "allow")
    files = argv[1:]
    limit = None
    if files[:1] == ["--max"]:
        limit = int(files[1])
        files = files[2:]
    out = sys.stdout
    for name in files:
        out.write(f"# {name}\n")
        n = 0
        try:
            reader = PcapReader(name)
        except Exception as e:  # noqa: BLE001 - unreadable file: report and go on
            out.write(f"! {type(e).__name__}\n")
            continue
        with reader:
            while limit is None or n < limit:
                try:
                    pkt = reader.read_packet()
                except EOFError:
                    break
                except Exception as e:  # noqa: BLE001 - a broken record ends the file, as sniff() would
                    out.write(f"! {type(e).__name__}\n")
                    break
                if pkt is None:
                    break
                n += 1
                try:
                    v = decide(pkt, block, allow)
                    out.write(f"{n} {v or '-'} {notes(pkt)}\n")
                except Exception:  # noqa: BLE001
                    out.write(f"{n} - error\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
