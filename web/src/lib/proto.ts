// The signalling protocol (proto/umbrella.proto), generated at build time by protoc-gen-es.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { EnvelopeSchema, type Envelope } from "umbrella-proto";

export * from "umbrella-proto";

export type Body = Envelope["body"];
// What encodeEnvelope accepts: message values may be plain objects, e.g.
// { case: "join", value: { room: "x", displayName: "Ann" } }.
export type BodyInit = NonNullable<MessageInitShape<typeof EnvelopeSchema>["body"]>;

export function encodeEnvelope(body: BodyInit): Uint8Array {
  return toBinary(EnvelopeSchema, create(EnvelopeSchema, { body }));
}

// Throws on malformed input.
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  return fromBinary(EnvelopeSchema, bytes);
}
