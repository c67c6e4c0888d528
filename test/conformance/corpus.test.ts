/**
 * Conformance: pfw's per-frame fields against the tshark truth files of every capture in
 * ../shared/corpus. Required: >= 99.9 % of frames equal in total and on every file tshark read
 * without error; the differing fields are listed when the test fails.
 * How multi-valued truth cells compare is described in the corpus README: pfw reports the
 * outermost header, so it is compared with the first value.
 */
import { describe, expect, it } from "vitest";
import { readCaptureFile } from "../../src/capture/reader.js";
import type { CaptureRecord } from "../../src/capture/types.js";
import { decodeFrame } from "../../src/decode/frame.js";
import { DecodedPacket } from "../../src/decode/packet.js";
import { packetFields, PACKET_FIELDS } from "../../src/report/packet-fields.js";
import { corpusEntries, readTruth, type CorpusEntry } from "../helpers/corpus.js";

const IPV6_EXT = new Set([0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254]);
/** Files whose timestamps are deliberately invalid (fraction >= 1e9): tshark's rendering is an artifact. */
const TS_NOT_COMPARED = new Map([
  ["bad/timestamp_invalid_nano.pcap", "fractions >= 10^9 are implementation-defined (corpus README)"],
]);

const first = (cell: string | undefined): string => (cell ?? "").split(";")[0] ?? "";

interface FileResult {
  frames: number;
  equal: number;
  diffs: string[];
  error?: string;
  readFrames: number;
}

async function compareFile(entry: CorpusEntry): Promise<FileResult> {
  const truth = readTruth(entry.rel).filter((r) => !entry.nonPacketRows.has(Number(r["frame.number"])));
  const ours: Record<string, string>[] = [];
  const pkt = new DecodedPacket();
  const result = await readCaptureFile(entry.abs, (rec: CaptureRecord) => {
    decodeFrame(pkt, rec.buf, rec.off, rec.off + rec.caplen, rec.linktype);
    const f = packetFields(rec, pkt);
    const row: Record<string, string> = {};
    PACKET_FIELDS.forEach((k, i) => (row[k] = f[i] ?? ""));
    ours.push(row);
  });
  const res: FileResult = {
    frames: truth.length,
    equal: 0,
    diffs: [],
    readFrames: ours.length,
    ...(result.error ? { error: result.error.message } : {}),
  };
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const o = ours[i];
    if (!o) {
      res.diffs.push(`${entry.rel} truth row ${t["frame.number"]}: pfw read no such frame`);
      continue;
    }
    const exp = expected(t, o);
    if (TS_NOT_COMPARED.has(entry.rel)) exp.ts = o.ts ?? "";
    const bad = Object.keys(exp).filter((k) => exp[k] !== o[k]);
    if (bad.length === 0) res.equal++;
    else
      res.diffs.push(
        `${entry.rel} frame ${o.frame}: ` + bad.map((k) => `${k} pfw=${o[k]} tshark=${exp[k]}`).join(", "),
      );
  }
  return res;
}

/** The values pfw must print for a truth row (o: pfw's row, used only to pick the IP family when both exist). */
function expected(t: Record<string, string>, o: Record<string, string>): Record<string, string> {
  const v4src = first(t["ip.src"]);
  const v6src = first(t["ipv6.src"]);
  let family: 4 | 6 | 0 = v4src ? 4 : v6src ? 6 : 0;
  if (v4src && v6src) family = (o.src ?? "").includes(":") ? 6 : 4; // tunnel: order between families unknown
  const src = family === 4 ? v4src : family === 6 ? v6src : "";
  const dst = family === 4 ? first(t["ip.dst"]) : family === 6 ? first(t["ipv6.dst"]) : "";
  // Outermost transport protocol: IPv4's protocol field; IPv6's Next Header unless it is an extension header.
  let proto: string | null = "";
  if (family === 4) proto = first(t["ip.proto"]);
  else if (family === 6) {
    const nxt = first(t["ipv6.nxt"]);
    proto = nxt !== "" && IPV6_EXT.has(Number(nxt)) ? null : nxt;
  }
  const ipHeaders = [t["ip.src"], t["ipv6.src"]].filter(Boolean).join(";").split(";").length;
  if (proto === null && ipHeaders > 1 && (o.ip_proto === "4" || o.ip_proto === "41")) {
    // Extension headers, then a tunnelled IP packet: the transport fields tshark shows are the inner
    // packet's; pfw reports the outer header (tunnels are not decoded), so only addresses compare.
    proto = o.ip_proto;
  } else if (proto === null) {
    // Extension headers: infer the final transport from what tshark decoded.
    if (first(t["icmpv6.type"]) !== "") proto = "58";
    else if (first(t["tcp.srcport"]) !== "") proto = "6";
    else if (first(t["udp.srcport"]) !== "") proto = "17";
    else proto = o.ip_proto ?? ""; // e.g. non-first fragment or no next header: nothing to compare
  }
  const tcp = proto === "6";
  const udp = proto === "17";
  const icmp = proto === "1" || proto === "58";
  const sport = tcp ? first(t["tcp.srcport"]) : udp ? first(t["udp.srcport"]) : "";
  const dport = tcp ? first(t["tcp.dstport"]) : udp ? first(t["udp.dstport"]) : "";
  const icmpType = icmp ? first(proto === "1" ? t["icmp.type"] : t["icmpv6.type"]) : "";
  const vlan = first(t["ieee8021ad.id"]) || first(t["vlan.id"]);
  return {
    frame: o.frame ?? "",
    ts: t["frame.time_epoch"] ?? "",
    len: t["frame.len"] ?? "",
    caplen: t["frame.cap_len"] ?? "",
    src,
    dst,
    ip_proto: proto,
    sport,
    dport,
    icmp_type: icmpType,
    tcp_flags: tcp ? first(t["tcp.flags"]) : "",
    vlan,
  };
}

describe("conformance with tshark truth files", () => {
  const entries = corpusEntries();

  it("finds the corpus", () => {
    expect(entries.length).toBeGreaterThan(50);
  });

  it("every capture: >= 99.9 % of frames equal, in total and per file read without tshark error", async () => {
    let frames = 0;
    let equal = 0;
    const failures: string[] = [];
    const perFile: string[] = [];
    for (const entry of entries) {
      const r = await compareFile(entry);
      frames += r.frames;
      equal += r.equal;
      const pct = r.frames ? (100 * r.equal) / r.frames : 100;
      perFile.push(
        `${pct.toFixed(2).padStart(6)} % ${r.equal}/${r.frames} ${entry.rel}${r.error ? ` [${r.error}]` : ""}`,
      );
      if (!entry.tsharkError && r.frames > 0 && r.equal / r.frames < 0.999) {
        failures.push(`${entry.rel}: ${r.equal}/${r.frames} equal\n  ` + r.diffs.slice(0, 15).join("\n  "));
      }
    }
    const total = frames ? equal / frames : 1;
    console.log(
      `conformance: ${equal}/${frames} frames equal (${(100 * total).toFixed(3)} %)\n` + perFile.join("\n"),
    );
    expect(failures, failures.join("\n")).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(0.999);
  });

  it("deliberately broken files are read without a crash; format errors name the file and byte", async () => {
    for (const entry of entries.filter((e) => e.rel.startsWith("bad/"))) {
      const res = await readCaptureFile(entry.abs, () => {});
      if (res.error) expect(res.error.message).toMatch(entry.rel.split("/").pop()!);
      if (entry.tsharkError) {
        // tshark stopped on these; pfw either reports an error or reads at least what tshark read
        const truthFrames = readTruth(entry.rel).length;
        expect(res.error !== undefined || res.packets >= truthFrames, entry.rel).toBe(true);
      }
    }
  });
});
