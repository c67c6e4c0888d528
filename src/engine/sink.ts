/**
 * What the engine emits, and the one small interface every output implements.
 *
 * The engine (engine.ts) knows no file, format, terminal or firewall: it calls the sinks it was given, in
 * the order they were added, with typed events. A new output (a report format, the live console, a web
 * dashboard's event stream, an alert channel) is a new Sink; the engine does not change.
 *
 * Events:
 *  - onFile: a new input (file or live source) begins; its index is the fileIndex of later events.
 *  - onPacket: a packet whose verdict rank is >= the sink's `packetRank` (ALLOWED = 0, UNKNOWN = 1,
 *    ALERT = 2, BLOCKED = 3; packets without a verdict, rank -1, only reach sinks with packetRank <= -1).
 *  - onDecodeEvent: a packet whose decode raised an event (malformed header, unsupported link type, ...).
 *  - onFlowEnd: a flow leaves the flow table (idle expiry, eviction when full, or the end of the run).
 *  - onRules: the rules were replaced (live reload).
 *  - onStats: periodic counters (pfw live: once a second), with the flows in the table.
 *  - onError: a source reported a problem; the run goes on.
 *  - close: the run ended; every flow has been ended before it. Called once.
 *
 * Guarantees for sinks: events arrive in capture order on one thread; a PacketEvent (and the record, the
 * decoded packet and the flow view inside it) is reused and valid only during the call — copy what you
 * keep. Sinks must not throw for data reasons; an I/O error they throw ends the run.
 */
import type { CaptureRecord } from "../capture/types.js";
import type { DecodedPacket } from "../decode/packet.js";
import type { FlowRecord } from "../flows/table.js";
import type { Cidr, Ruleset, Severity } from "../rules/types.js";
import type { EngineCounters, RunError } from "./counters.js";

/** The per-packet context handed to sinks (one reused object). */
export interface PacketEvent {
  /** The captured record (its buffer is reused by the source after the call). */
  rec: CaptureRecord;
  /** The decoded packet; valid only when `decoded` is true. */
  pkt: DecodedPacket;
  /** False only for sinks that declared `rawOnly` (the engine may then skip decoding). */
  decoded: boolean;
  /** Index of the input in EngineCounters.files. */
  fileIndex: number;
  /** Verdict rank (-1 none, 0 ALLOWED, 1 UNKNOWN, 2 ALERT, 3 BLOCKED). */
  rank: number;
  /** Global index of the deciding rule (-1: the default action, < -1: no verdict); see Engine.lookup(). */
  ruleIndex: number;
  /** The packet's flow after this packet, or null (no flow: not IP, or the table could not take it). */
  flow: FlowRecord | null;
}

/** Rule id / reason / severity of a global rule index (index -1 is the ruleset's default action). */
export interface RuleLookup {
  /** Rule id ("default" for -1). */
  id(index: number): string;
  /** Reason text. */
  reason(index: number): string;
  /** Severity, "" for the default action. */
  severity(index: number): Severity | "";
  /** Verdict rank of the rule's action (0 ALLOWED .. 3 BLOCKED; -1 for an index that names no rule). */
  rank(index: number): number;
}

/** What sinks that build text need from the engine: input names by file index and the rule texts. */
export interface EngineContext {
  files: readonly string[];
  rules: RuleLookup;
  /** The home networks in force (the --home-net option and the rule file's home_net). */
  homeNet: readonly Cidr[];
}

/** An output of the engine. Every member is optional. */
export interface Sink {
  /** Lowest verdict rank for which onPacket is called (absent: onPacket is never called). */
  readonly packetRank?: number;
  /** onPacket reads only the record, rank, rule and file (never `pkt`): the engine need not decode for it. */
  readonly rawOnly?: boolean;
  /**
   * memo/replay are usable now (e.g. the packet log writes text lines only). When this sink is the only one
   * that needs decoded packets, the engine's fast path stores memo()'s bytes with the flow direction and
   * hands later packets of that direction to replay() without decoding them.
   */
  readonly replays?: boolean;
  onPacket?(ev: PacketEvent): void;
  /** Bytes that let replay() handle later packets of this flow direction with the same verdict and rule. */
  memo?(ev: PacketEvent): Uint8Array | null;
  /** Handle a packet (not decoded) from its direction's memo; false: not possible, call onPacket instead. */
  replay?(memo: Uint8Array, ev: PacketEvent): boolean;
  onFile?(fileIndex: number, name: string): void;
  onDecodeEvent?(ev: PacketEvent): void;
  onFlowEnd?(flow: FlowRecord): void;
  onRules?(ruleset: Ruleset, firstRuleIndex: number): void;
  onStats?(counters: EngineCounters, activeFlows: number, nowSec: number): void;
  onError?(error: RunError): void;
  close?(counters: EngineCounters): void;
}
