/**
 * The one reused decoded-packet object (house style: gopacket's DecodingLayerParser).
 * Every field is a number (or the frame buffer reference) and is assigned in the constructor,
 * so V8 keeps one hidden class; reset() reassigns and never deletes. No text is made here:
 * addresses are uint32 words / offsets, formatted only by reporters (see ./format.ts).
 * Guarantee: after decodeFrame() every offset field is either -1 or within [0, frameEnd].
 */

/** Bits of DecodedPacket.layers. */
export const enum Layer {
  ETH = 1 << 0,
  SLL = 1 << 1,
  NULL_LOOP = 1 << 2,
  WLAN = 1 << 3,
  RADIOTAP = 1 << 4,
  LLC = 1 << 5,
  VLAN = 1 << 6,
  MPLS = 1 << 7,
  PPPOE = 1 << 8,
  ARP = 1 << 9,
  IPV4 = 1 << 10,
  IPV6 = 1 << 11,
  TCP = 1 << 12,
  UDP = 1 << 13,
  ICMP = 1 << 14,
  ICMPV6 = 1 << 15,
  /** The transport header is not in this packet (IPv4/IPv6 non-first fragment). */
  FRAGMENT = 1 << 16,
  /** Linux netfilter NFLOG header (link type 239). */
  NFLOG = 1 << 17,
  /** OpenBSD/FreeBSD pf log header (link type 117). */
  PFLOG = 1 << 18,
  /** PPP (link types 9, 50) or Cisco HDLC (104) framing. */
  PPP = 1 << 19,
  /** An 802.11 radio header other than radiotap: Prism (119), AVS (163) or PPI (192). */
  RADIO_HDR = 1 << 20,
}

/** The decoded view of one frame. Reused for every frame: copy what you need to keep. */
export class DecodedPacket {
  // Fields are `declare`d: with ES2022 class fields, a plain declaration would first define each
  // field as undefined, making V8 store every number as a tagged value and box each uint32
  // above 2^31 (an allocation per packet). Assigned only in the constructor, they stay numeric.
  /** The frame bytes this packet was decoded from (not copied). */
  declare buf: Uint8Array;
  /** Offset of the first byte of the frame in buf. */
  declare frameOff: number;
  /** Offset one past the last captured byte of the frame in buf. */
  declare frameEnd: number;
  /** Link type the frame was decoded with. */
  declare linktype: number;
  /** Bitmask of Layer values present. */
  declare layers: number;
  /** First DecodeEvent met (0 = none). */
  declare event: number;
  /** Offset in buf where the event was met, -1 if none. */
  declare eventOff: number;

  /** Outermost VLAN id (802.1ad S-tag if present, else 802.1Q), -1 if none. */
  declare vlanId: number;
  /** Number of VLAN tags seen. */
  declare vlanCount: number;
  /** Number of MPLS labels seen. */
  declare mplsCount: number;
  /** EtherType of the network layer (0x0800, 0x86dd, 0x0806, ...), -1 if unknown. */
  declare etherType: number;

  /** Offset of the outermost IP (or ARP) header, -1 if none. */
  declare l3Off: number;
  /**
   * 4, 6, or 0 when there is no IP layer. Set (with ipProto and the source address) also for an
   * IP header cut short after its source address, as Wireshark shows those; Layer.IPV4/IPV6
   * are set only when both addresses were decoded.
   */
  declare ipVersion: number;
  /**
   * IPv4 source / destination as uint32 (host order of the number: 10.0.0.1 = 0x0a000001).
   * With a loose/strict source route option, dst4 is the route's final address, as Wireshark's ip.dst.
   */
  declare src4: number;
  declare dst4: number;
  /** IPv6 source / destination as four uint32 words, most significant first. */
  declare src6a: number;
  declare src6b: number;
  declare src6c: number;
  declare src6d: number;
  declare dst6a: number;
  declare dst6b: number;
  declare dst6c: number;
  declare dst6d: number;
  /**
   * IP header fields. ipTotalLen: IPv4 total length (the captured length when the field is 0,
   * TSO), or 40 + IPv6 payload length. ipId: IPv4 identification, or the IPv6 fragment
   * header's 32-bit identification.
   */
  declare ipTtl: number;
  declare ipTotalLen: number;
  declare ipId: number;
  /** Fragment offset in bytes (0 for first/unfragmented). */
  declare fragOffset: number;
  /** 1 if more-fragments is set, else 0. */
  declare moreFragments: number;
  /** Transport protocol number after IPv6 extension headers, -1 if no IP. */
  declare ipProto: number;

  /** Offset of the transport header, -1 if none decoded. */
  declare l4Off: number;
  /** TCP/UDP ports, -1 when not TCP/UDP or not in this fragment. */
  declare srcPort: number;
  declare dstPort: number;
  /** TCP flags (low 12 bits of bytes 12-13), -1 when not TCP. */
  declare tcpFlags: number;
  declare tcpSeq: number;
  declare tcpAck: number;
  declare tcpWindow: number;
  /** ICMP / ICMPv6 type and code, -1 when not ICMP. */
  declare icmpType: number;
  declare icmpCode: number;
  /** ARP opcode, -1 if not ARP; ARP sender/target IPv4. */
  declare arpOp: number;
  declare arpSpa: number;
  declare arpTpa: number;

  /**
   * Application payload offset and length (after the transport header), -1/0 if none. For IP
   * protocols pfw does not decode into (GRE, ESP, IP-in-IP, ...) and for non-first fragments:
   * the IP payload. Never includes Ethernet padding beyond the IP length or an 802.11 FCS.
   */
  declare payloadOff: number;
  declare payloadLen: number;

  constructor() {
    this.buf = EMPTY;
    this.frameOff = 0;
    this.frameEnd = 0;
    this.linktype = 0;
    this.layers = 0;
    this.event = 0;
    this.eventOff = -1;
    this.vlanId = -1;
    this.vlanCount = 0;
    this.mplsCount = 0;
    this.etherType = -1;
    this.l3Off = -1;
    this.ipVersion = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.src6a = 0;
    this.src6b = 0;
    this.src6c = 0;
    this.src6d = 0;
    this.dst6a = 0;
    this.dst6b = 0;
    this.dst6c = 0;
    this.dst6d = 0;
    this.ipTtl = 0;
    this.ipTotalLen = 0;
    this.ipId = 0;
    this.fragOffset = 0;
    this.moreFragments = 0;
    this.ipProto = -1;
    this.l4Off = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpFlags = -1;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.arpOp = -1;
    this.arpSpa = 0;
    this.arpTpa = 0;
    this.payloadOff = -1;
    this.payloadLen = 0;
  }

  /** Prepare for a new frame. Hot path: assigns every field, allocates nothing. */
  reset(buf: Uint8Array, off: number, end: number, linktype: number): void {
    this.buf = buf;
    this.frameOff = off;
    this.frameEnd = end;
    this.linktype = linktype;
    this.layers = 0;
    this.event = 0;
    this.eventOff = -1;
    this.vlanId = -1;
    this.vlanCount = 0;
    this.mplsCount = 0;
    this.etherType = -1;
    this.l3Off = -1;
    this.ipVersion = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.src6a = 0;
    this.src6b = 0;
    this.src6c = 0;
    this.src6d = 0;
    this.dst6a = 0;
    this.dst6b = 0;
    this.dst6c = 0;
    this.dst6d = 0;
    this.ipTtl = 0;
    this.ipTotalLen = 0;
    this.ipId = 0;
    this.fragOffset = 0;
    this.moreFragments = 0;
    this.ipProto = -1;
    this.l4Off = -1;
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpFlags = -1;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.arpOp = -1;
    this.arpSpa = 0;
    this.arpTpa = 0;
    this.payloadOff = -1;
    this.payloadLen = 0;
  }

  /** Record a decode event; only the first one is kept. */
  setEvent(event: number, off: number): void {
    if (this.event === 0) {
      this.event = event;
      this.eventOff = off;
    }
  }
}

const EMPTY = new Uint8Array(0);
