import { it } from "vitest";
import fs from "node:fs";
import { decodeFrame } from "../../src/decode/frame.js";
import { DecodedPacket } from "../../src/decode/packet.js";
import { DECODE_EVENT_NAMES } from "../../src/decode/events.js";
import { dstAddrString, srcAddrString, tcpFlagsHex } from "../../src/decode/format.js";
import { corpusEntries, readTruth } from "../helpers/corpus.js";
import { readFrames } from "./mini-reader.js";
const IPV6_EXT = new Set([0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254]);
const first = (c: string | undefined): string => (c ?? "").split(";")[0] ?? "";
it("compare", () => {
  let tot = 0,
    eq = 0;
  const lines: string[] = [];
  for (const e of corpusEntries()) {
    const truth = readTruth(e.rel).filter((r) => !e.nonPacketRows.has(Number(r["frame.number"])));
    const frames = readFrames(e.abs);
    const pkt = new DecodedPacket();
    let feq = 0;
    const diffs: string[] = [];
    const evs = new Map<string, number>();
    truth.forEach((t, i) => {
      const f = frames[i];
      if (!f) {
        diffs.push(`row ${i + 1} missing`);
        return;
      }
      decodeFrame(pkt, f.buf, f.off, f.off + f.caplen, f.linktype);
      const ev = DECODE_EVENT_NAMES[pkt.event] ?? "?";
      evs.set(ev, (evs.get(ev) ?? 0) + 1);
      const o: Record<string, string> = {
        src: pkt.ipVersion ? srcAddrString(pkt) : "",
        dst: pkt.ipVersion ? dstAddrString(pkt) : "",
        ip_proto: pkt.ipProto >= 0 ? String(pkt.ipProto) : "",
        sport: pkt.srcPort >= 0 ? String(pkt.srcPort) : "",
        dport: pkt.dstPort >= 0 ? String(pkt.dstPort) : "",
        icmp_type: pkt.icmpType >= 0 ? String(pkt.icmpType) : "",
        tcp_flags: pkt.tcpFlags >= 0 ? tcpFlagsHex(pkt.tcpFlags) : "",
        vlan: pkt.vlanId >= 0 ? String(pkt.vlanId) : "",
      };
      const v4 = first(t["ip.src"]),
        v6 = first(t["ipv6.src"]);
      let fam = v4 ? 4 : v6 ? 6 : 0;
      if (v4 && v6) fam = o.src!.includes(":") ? 6 : 4;
      let proto: string | null = "";
      if (fam === 4) proto = first(t["ip.proto"]);
      else if (fam === 6) {
        const n = first(t["ipv6.nxt"]);
        proto = n !== "" && IPV6_EXT.has(Number(n)) ? null : n;
      }
      if (proto === null) {
        if (first(t["icmpv6.type"]) !== "") proto = "58";
        else if (first(t["tcp.srcport"]) !== "") proto = "6";
        else if (first(t["udp.srcport"]) !== "") proto = "17";
        else proto = o.ip_proto!;
      }
      const tcp = proto === "6",
        udp = proto === "17",
        icmp = proto === "1" || proto === "58";
      const exp: Record<string, string> = {
        src: fam === 4 ? v4 : fam === 6 ? v6 : "",
        dst: fam === 4 ? first(t["ip.dst"]) : fam === 6 ? first(t["ipv6.dst"]) : "",
        ip_proto: proto,
        sport: tcp ? first(t["tcp.srcport"]) : udp ? first(t["udp.srcport"]) : "",
        dport: tcp ? first(t["tcp.dstport"]) : udp ? first(t["udp.dstport"]) : "",
        icmp_type: icmp ? first(proto === "1" ? t["icmp.type"] : t["icmpv6.type"]) : "",
        tcp_flags: tcp ? first(t["tcp.flags"]) : "",
        vlan: first(t["ieee8021ad.id"]) || first(t["vlan.id"]),
      };
      const bad = Object.keys(exp).filter((k) => exp[k] !== o[k]);
      if (bad.length === 0) feq++;
      else diffs.push(`#${i + 1} [${ev}] ` + bad.map((k) => `${k} pfw=${o[k]} ts=${exp[k]}`).join(", "));
    });
    tot += truth.length;
    eq += feq;
    lines.push(
      `${feq}/${truth.length} ${e.rel} frames=${frames.length} ${[...evs].map(([k, v]) => `${k || "ok"}:${v}`).join(" ")}${e.tsharkError ? " [tshark err]" : ""}`,
    );
    for (const d of diffs.slice(0, 6)) lines.push("    " + d);
  }
  lines.push(`TOTAL ${eq}/${tot}`);
  fs.writeFileSync("/tmp/compare.txt", lines.join("\n"));
}, 120000);
