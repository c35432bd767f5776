/**
 * What to generate for one .proto file, and what the plugin refuses.
 *
 * The envelope is the top-level message with a oneof whose fields are named
 * `client_*` or `server_*`. Its `client_*` cases are what the client sends
 * (encoders), its `server_*` cases what it receives (decoders); every other
 * case (e.g. `driven_config`) is neither: not encodable, skipped when decoding.
 * Each case's `type` is the value of the envelope's enum field `type` whose
 * name ends with `_` + the case name in upper case
 * (`client_pause` → `MESSAGE_CLIENT_PAUSE`). The messages a case contains,
 * transitively, are encoded (client side) or decoded (server side) too.
 */
import { ScalarType, type DescEnum, type DescEnumValue, type DescField, type DescFile, type DescMessage, type DescOneof } from "@bufbuild/protobuf";
import { Edition } from "@bufbuild/protobuf/wkt";

export const CLIENT_PREFIX = "client_";
export const SERVER_PREFIX = "server_";

/** One `client_*` or `server_*` case of the envelope's oneof. */
export interface EnvelopeCase {
  readonly field: DescField & { fieldKind: "message" };
  readonly message: DescMessage;
  /** The value of the envelope's `type` field that goes with this case. */
  readonly typeValue: DescEnumValue;
}

export interface Envelope {
  readonly message: DescMessage;
  /** `Message` → `ClientMessage` / `ServerMessage`. */
  readonly clientName: string;
  readonly serverName: string;
  readonly typeField: DescField & { fieldKind: "enum" };
  readonly oneof: DescOneof;
  readonly client: readonly EnvelopeCase[];
  readonly server: readonly EnvelopeCase[];
  /** Cases that are neither client nor server: skipped when decoding. */
  readonly ignored: readonly DescField[];
}

export interface MessagePlan {
  readonly desc: DescMessage;
  /** The TypeScript name: nested names joined by `_`, as protobuf-es does. */
  readonly name: string;
  readonly encode: boolean;
  readonly decode: boolean;
  /** A server case payload with message-typed fields: gets a shallow decoder that skips them. */
  readonly shallow: boolean;
}

export interface FilePlan {
  readonly file: DescFile;
  /** Every enum of the file, nested ones included, in declaration order. */
  readonly enums: readonly { desc: DescEnum; name: string }[];
  readonly envelope: Envelope | undefined;
  /** Every message that gets an encoder or a decoder, in declaration order. */
  readonly messages: readonly MessagePlan[];
}

/** The plugin refuses a schema it would not encode or decode faithfully. */
export class RefusedError extends Error {
  override name = "RefusedError";
  constructor(readonly reasons: readonly string[]) {
    super(`protoc-gen-avatarkit refuses this schema:\n${reasons.map((r) => `  - ${r}`).join("\n")}`);
  }
}

/** `ServerPlaybackState.State` → `ServerPlaybackState_State`. */
export function typeIdentifier(desc: DescMessage | DescEnum): string {
  const pkg = desc.file.proto.package;
  const local = pkg ? desc.typeName.slice(pkg.length + 1) : desc.typeName;
  return local.replace(/\./g, "_");
}

const SUPPORTED_MAP_KEYS = new Set([ScalarType.STRING, ScalarType.INT32, ScalarType.UINT32, ScalarType.SINT32, ScalarType.FIXED32, ScalarType.SFIXED32]);

/** Every enum of a file in declaration order, nested ones included. */
function fileEnums(file: DescFile): DescEnum[] {
  const out: DescEnum[] = [...file.enums];
  const visit = (m: DescMessage) => {
    out.push(...m.nestedEnums);
    m.nestedMessages.forEach(visit);
  };
  file.messages.forEach(visit);
  return out;
}

/** Every message of a file in declaration order, nested ones included (map entries excluded). */
function fileMessages(file: DescFile): DescMessage[] {
  const out: DescMessage[] = [];
  const visit = (m: DescMessage) => {
    out.push(m);
    m.nestedMessages.forEach(visit);
  };
  file.messages.forEach(visit);
  return out;
}

/** The message a field refers to (singular, list element or map value), if any. */
export function fieldMessage(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}

function findEnvelope(file: DescFile, refuse: (reason: string) => void): Envelope | undefined {
  const candidates: { message: DescMessage; oneof: DescOneof }[] = [];
  for (const message of file.messages) {
    for (const oneof of message.oneofs) {
      if (oneof.fields.some((f) => f.name.startsWith(CLIENT_PREFIX) || f.name.startsWith(SERVER_PREFIX))) candidates.push({ message, oneof });
    }
  }
  for (const message of fileMessages(file)) {
    if (message.parent !== undefined && message.oneofs.some((o) => o.fields.some((f) => f.name.startsWith(CLIENT_PREFIX) || f.name.startsWith(SERVER_PREFIX)))) {
      refuse(`${message.typeName}: an envelope (a oneof of client_/server_ cases) must be a top-level message`);
    }
  }
  if (candidates.length === 0) return undefined;
  if (candidates.length > 1) {
    refuse(`more than one envelope (a oneof of client_/server_ cases): ${candidates.map((c) => `${c.message.typeName}.${c.oneof.name}`).join(", ")}`);
    return undefined;
  }
  const { message, oneof } = candidates[0]!;
  const others = message.fields.filter((f) => f.oneof === undefined);
  const typeField = others.find((f) => f.name === "type");
  if (typeField === undefined || typeField.fieldKind !== "enum") {
    refuse(`${message.typeName}: the envelope needs an enum field named "type"`);
    return undefined;
  }
  for (const f of others) if (f !== typeField) refuse(`${message.typeName}.${f.name}: the envelope may only have the "type" field and its oneof`);
  if (message.oneofs.length > 1) refuse(`${message.typeName}: the envelope may have one oneof only`);
  const client: EnvelopeCase[] = [];
  const server: EnvelopeCase[] = [];
  const ignored: DescField[] = [];
  for (const field of oneof.fields) {
    const side = field.name.startsWith(CLIENT_PREFIX) ? client : field.name.startsWith(SERVER_PREFIX) ? server : undefined;
    if (side === undefined) {
      ignored.push(field);
      continue;
    }
    if (field.fieldKind !== "message") {
      refuse(`${message.typeName}.${field.name}: a client_/server_ case must be a message`);
      continue;
    }
    const suffix = `_${field.name.toUpperCase()}`;
    const values = typeField.enum.values.filter((v) => v.name.endsWith(suffix) || v.name === field.name.toUpperCase());
    if (values.length !== 1) {
      refuse(`${message.typeName}.${field.name}: ${values.length === 0 ? "no" : "more than one"} value of ${typeField.enum.typeName} ends with ${suffix}`);
      continue;
    }
    side.push({ field: field as EnvelopeCase["field"], message: field.message, typeValue: values[0]! });
  }
  const name = typeIdentifier(message);
  return { message, clientName: `Client${name}`, serverName: `Server${name}`, typeField: typeField as Envelope["typeField"], oneof, client, server, ignored };
}

/** Checks one message the plugin generates code for. */
function checkMessage(message: DescMessage, file: DescFile, refuse: (reason: string) => void): void {
  if (message.file !== file) refuse(`${message.typeName}: messages from other files (here ${message.file.name}.proto) are not supported`);
  for (const oneof of message.oneofs) refuse(`${message.typeName}.${oneof.name}: oneofs are supported in the envelope only`);
  for (const field of message.fields) {
    const where = `${message.typeName}.${field.name}`;
    if (field.proto.proto3Optional) refuse(`${where}: proto3 optional fields are not supported`);
    if ((field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")) && field.delimitedEncoding) {
      refuse(`${where}: group (delimited) encoding is not supported`);
    }
    if (field.fieldKind === "map" && !SUPPORTED_MAP_KEYS.has(field.mapKey)) refuse(`${where}: map keys of type ${ScalarType[field.mapKey].toLowerCase()} are not supported`);
    const enumDesc = field.fieldKind === "enum" ? field.enum : field.fieldKind === "list" && field.listKind === "enum" ? field.enum : field.fieldKind === "map" && field.mapKind === "enum" ? field.enum : undefined;
    if (enumDesc !== undefined && enumDesc.file !== file) refuse(`${where}: enums from other files (here ${enumDesc.typeName}) are not supported`);
  }
}

/** Plans the code for one file; throws {@link RefusedError} listing every reason to refuse. */
export function planFile(file: DescFile): FilePlan {
  const reasons: string[] = [];
  const refuse = (reason: string) => reasons.push(reason);
  if (file.edition !== Edition.EDITION_PROTO3) refuse(`${file.name}.proto: only proto3 files are supported`);
  const envelope = findEnvelope(file, refuse);

  const encode = new Set<DescMessage>();
  const decode = new Set<DescMessage>();
  const reach = (message: DescMessage, into: Set<DescMessage>) => {
    if (into.has(message)) return;
    into.add(message);
    for (const field of message.fields) {
      const sub = fieldMessage(field);
      if (sub !== undefined) reach(sub, into);
    }
  };
  for (const c of envelope?.client ?? []) reach(c.message, encode);
  for (const c of envelope?.server ?? []) reach(c.message, decode);
  const shallowPayloads = new Set((envelope?.server ?? []).map((c) => c.message).filter((m) => m.fields.some((f) => fieldMessage(f) !== undefined)));

  const all = new Set([...encode, ...decode]);
  for (const message of all) checkMessage(message, file, refuse);
  const ordered = fileMessages(file).filter((m) => all.has(m));
  for (const m of all) if (!ordered.includes(m)) ordered.push(m); // from other files: already refused
  const messages = ordered.map((desc) => ({ desc, name: typeIdentifier(desc), encode: encode.has(desc), decode: decode.has(desc), shallow: shallowPayloads.has(desc) }));
  const enums = fileEnums(file).map((desc) => ({ desc, name: typeIdentifier(desc) }));

  // Every exported name must be unique.
  const names = new Map<string, string>();
  const claim = (name: string, what: string) => {
    const previous = names.get(name);
    if (previous !== undefined) refuse(`the generated name ${name} is taken twice (${previous}, ${what})`);
    else names.set(name, what);
  };
  for (const e of enums) claim(e.name, e.desc.typeName);
  for (const m of messages) {
    claim(m.name, m.desc.typeName);
    if (m.encode) claim(`encode${m.name}`, `the encoder of ${m.desc.typeName}`);
    if (m.decode) claim(`decode${m.name}`, `the decoder of ${m.desc.typeName}`);
  }
  if (envelope !== undefined) {
    for (const [name, what] of [
      [envelope.clientName, "the client envelope"],
      [envelope.serverName, "the server envelope"],
      [`${envelope.serverName}Data`, "the server envelope's oneof"],
      [`encode${envelope.clientName}`, "the client envelope's encoder"],
      [`decode${envelope.serverName}`, "the server envelope's decoder"],
      [`decode${envelope.serverName}Shallow`, "the server envelope's shallow decoder"],
      [`peek${envelope.serverName}`, "the server envelope's peek"],
      [`${envelope.serverName}Peek`, "what the server envelope's peek reads"],
      [`${envelope.clientName}Type`, "the client cases' types"],
      [`${envelope.serverName}Type`, "the server cases' types"],
    ] as const) {
      claim(name, what);
    }
  }
  if (reasons.length > 0) throw new RefusedError(reasons);
  return { file, enums, envelope, messages };
}
